from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from livecommerce.orders.redis_gate import RedisGate
from livecommerce.sales.scheduler import advance_sales
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import utcnow
from tests.servers import free_port
from tests.users import Account, product, room, signup


async def shop_with_room(
    client: httpx.AsyncClient, *, live: bool = False
) -> tuple[Account, Account, int, int]:
    """A merchant, a host and a show with one product; ``live`` starts the show (deals
    sell only while it is live)."""
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    pid = (await product(client, shop, "Tea", stock=50))["id"]
    rid = (await room(client, shop, host, [pid]))["id"]
    if live:
        started = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
        assert started.status_code == 200, started.text
    return shop, host, rid, pid


async def launch(
    client: httpx.AsyncClient, who: Account, rid: int, pid: int, **terms: Any
) -> httpx.Response:
    body = {"product_id": pid, "price_cents": 990, "quantity": 5, "per_user_limit": 2,
            "countdown_seconds": 0, "duration_seconds": 300, **terms}  # fmt: skip
    return await client.post(f"/api/rooms/{rid}/sales", json=body, headers=who.headers)


async def test_the_host_launches_a_deal_and_anyone_reads_it(client: httpx.AsyncClient) -> None:
    """A deal launched by the host is readable with its window, stock and server time."""
    _, host, rid, pid = await shop_with_room(client)
    created = await launch(client, host, rid, pid)
    assert created.status_code == 201, created.text
    sale = created.json()
    assert (sale["status"], sale["remaining"], sale["room_id"]) == ("scheduled", 5, rid)
    read = (await client.get(f"/api/sales/{sale['id']}")).json()
    assert read["id"] == sale["id"] and "server_time" in read
    listed = (await client.get(f"/api/rooms/{rid}/sales")).json()["sales"]
    assert [s["id"] for s in listed] == [sale["id"]]


async def test_bad_deals_are_refused_with_the_rule(client: httpx.AsyncClient) -> None:
    """More units than in stock is a 422 naming the rule; a viewer gets 403."""
    shop, _, rid, pid = await shop_with_room(client)
    too_many = await launch(client, shop, rid, pid, quantity=51)
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "invalid_input"
    assert "stock" in too_many.json()["error"]["message"]
    viewer = await signup(client, "vic")
    assert (await launch(client, viewer, rid, pid)).status_code == 403


async def test_cancel_before_start_only(client: httpx.AsyncClient) -> None:
    """A deal can be cancelled while scheduled; cancelling twice is a 409."""
    shop, _, rid, pid = await shop_with_room(client)
    sale = (await launch(client, shop, rid, pid, countdown_seconds=600)).json()
    cancelled = await client.post(f"/api/sales/{sale['id']}/cancel", headers=shop.headers)
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/sales/{sale['id']}/cancel", headers=shop.headers)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        "a flash sale cannot go from cancelled to cancelled"
    )


async def test_unknown_sale_is_404(client: httpx.AsyncClient) -> None:
    """Reading a sale that does not exist is a JSON 404."""
    response = await client.get("/api/sales/999999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("shape", ["scaled"])
async def test_ending_the_show_with_redis_down_ends_selling_and_answers_200(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The gate cannot be reloaded: the end still succeeds, and the deal sells no more."""
    shop, host, rid, pid = await shop_with_room(client)
    await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    deal = (await launch(client, host, rid, pid, quantity=5)).json()
    await advance_sales(app.state.resources.db, now=utcnow())
    buyer = await signup(client, "bob")
    url = f"/api/sales/{deal['id']}/orders"
    first = await client.post(url, json={"quantity": 1}, headers=idem(buyer, "a"))
    assert first.status_code == 201, first.text
    down = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    checkout = app.state.resources.checkout
    checkout.gate = RedisGate(down, Keys("lc-down:"))
    try:
        ended = await client.post(f"/api/rooms/{rid}/end", headers=host.headers)
        assert ended.status_code == 200, ended.text
        for key in ("b", "c"):
            later = await client.post(url, json={"quantity": 1}, headers=idem(buyer, key))
            assert later.status_code == 409 and later.json()["error"]["code"] == "sale_ended"
        final = (await client.get(f"/api/sales/{deal['id']}")).json()
        assert (final["status"], final["sold"]) == ("ended", 1)
        stock = (await client.get(f"/api/products/{pid}", headers=shop.headers)).json()
        assert stock["stock"] == 50 - 1  # the 4 unsold units came back, once
    finally:
        await down.aclose()


def idem(who: Account, key: str) -> dict[str, str]:
    return {**who.headers, "Idempotency-Key": key}
