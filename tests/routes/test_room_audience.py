"""The room's audience figures for its host and merchant, what a show sold, and what the
room page knows of its viewer (banned, runs the room)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.accounts.tokens import Principal
from livecommerce.rooms import commands
from tests.users import Account, product, room, signup

PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)


async def _live_show(client: httpx.AsyncClient) -> tuple[int, Account, Account, list[int]]:
    """A live room: its id, merchant, host and two shelf product ids."""
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    ids = [(await product(client, shop, f"P{i}", price_cents=1500))["id"] for i in range(2)]
    made = await room(client, shop, host, ids)
    await client.post(f"/api/rooms/{made['id']}/start", headers=host.headers)
    return made["id"], shop, host, ids


def _page_data(html: str) -> dict[str, Any]:
    found = PAGE_DATA.search(html)
    assert found, html
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def test_stats_for_host_and_merchant_only(client: httpx.AsyncClient) -> None:
    """Peak and unique viewers are answered to the host and the merchant, refused to viewers."""
    rid, shop, host, _ = await _live_show(client)
    viewer = await signup(client, "mei")
    refused = await client.get(f"/api/rooms/{rid}/stats", headers=viewer.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert (await client.get(f"/api/rooms/{rid}/stats")).status_code == 401
    for who in (host, shop):
        answer = await client.get(f"/api/rooms/{rid}/stats", headers=who.headers)
        assert answer.status_code == 200
        gauges = {k: answer.json()[k] for k in ("viewers", "peak_viewers", "unique_viewers", "likes")}
        assert all(isinstance(v, int) and v >= 0 for v in gauges.values())
        assert answer.json()["metrics"]["views"] >= 0


async def test_sold_counts_paid_orders(client: httpx.AsyncClient) -> None:
    """What a show sold counts paid units per product; an unpaid order is not sold."""
    rid, _, _, ids = await _live_show(client)
    buyer = await signup(client, "mei")
    paid = await client.post(
        f"/api/rooms/{rid}/products/{ids[1]}/orders",
        json={"quantity": 3},
        headers={**buyer.headers, "Idempotency-Key": "k1"},
    )
    assert paid.status_code == 201, paid.text
    pay = await client.post(f"/api/orders/{paid.json()['id']}/pay", json={}, headers=buyer.headers)
    assert pay.status_code == 200, pay.text
    unpaid = await client.post(
        f"/api/rooms/{rid}/products/{ids[0]}/orders",
        json={"quantity": 1},
        headers={**buyer.headers, "Idempotency-Key": "k2"},
    )
    assert unpaid.status_code == 201
    sold = (await client.get(f"/api/rooms/{rid}/sold")).json()["sold"]
    assert sold == [{"product_id": ids[1], "title": "P1", "units": 3, "orders": 1}]
    assert (await client.get("/api/rooms/999999/sold")).status_code == 404


async def test_room_page_knows_a_banned_viewer(client: httpx.AsyncClient, app: FastAPI) -> None:
    """The room page of a banned viewer says so and offers no chat box."""
    rid, _, host, _ = await _live_show(client)
    viewer = await signup(client, "mei")
    before = await client.get(f"/rooms/{rid}", headers=viewer.headers)
    assert 'id="chat-form"' in before.text
    assert _page_data(before.text)["me"]["banned"] is False
    await commands.restrict(
        app.state.resources.db, caller=Principal(host.id, host.handle, host.role), room_id=rid,
        user="mei", kind="ban", seconds=None,
    )  # fmt: skip
    page = await client.get(f"/rooms/{rid}", headers=viewer.headers)
    assert _page_data(page.text)["me"] == {"runs_room": False, "banned": True, "banned_until": None}
    assert 'id="chat-form"' not in page.text and 'data-testid="chat-closed"' in page.text
    host_page = await client.get(f"/rooms/{rid}", headers=host.headers)
    assert _page_data(host_page.text)["me"]["runs_room"] is True
