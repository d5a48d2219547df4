from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.orders.service import expire_due_orders
from livecommerce.sales.scheduler import advance_sales
from livecommerce.storage.models import utcnow
from tests.routes._live import serve, viewer
from tests.routes.test_sales import launch, shop_with_room
from tests.users import Account, address, signup


async def buy(
    client: httpx.AsyncClient, buyer: Account, rid: int, pid: int, key: str, quantity: int = 1
) -> httpx.Response:
    headers = {**buyer.headers, "Idempotency-Key": key}
    url = f"/api/rooms/{rid}/products/{pid}/orders"
    return await client.post(url, json={"quantity": quantity}, headers=headers)


async def stock(client: httpx.AsyncClient, pid: int) -> int:
    value: int = (await client.get(f"/api/products/{pid}")).json()["stock"]
    return value


async def test_buy_at_list_price_and_repeat(client: httpx.AsyncClient) -> None:
    """A shelf purchase takes stock at the list price; the same key returns the same order."""
    _, _, rid, pid = await shop_with_room(client)
    buyer = await signup(client, "bob")
    first = await buy(client, buyer, rid, pid, "k1", 3)
    assert first.status_code == 201, first.text
    assert (first.json()["unit_price_cents"], first.json()["sale_id"]) == (1999, None)
    again = await buy(client, buyer, rid, pid, "k1", 3)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert await stock(client, pid) == 47


async def test_concurrent_buyers_never_oversell(client: httpx.AsyncClient) -> None:
    """Sixty concurrent buyers on fifty units: exactly fifty are sold, never more."""
    _, _, rid, pid = await shop_with_room(client)
    buyers = [await signup(client, f"buyer{i}") for i in range(60)]
    answers = await asyncio.gather(*(buy(client, b, rid, pid, "k") for b in buyers))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 50 and codes.count(409) == 10
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"sold_out"}
    assert await stock(client, pid) == 0


async def test_cancel_and_expiry_return_stock(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Cancelling or letting an order expire puts its units back on the shelf."""
    _, _, rid, pid = await shop_with_room(client)
    buyer = await signup(client, "bob")
    kept = (await buy(client, buyer, rid, pid, "a", 5)).json()
    dropped = (await buy(client, buyer, rid, pid, "b", 5)).json()
    assert await stock(client, pid) == 40
    cancel = await client.post(f"/api/orders/{dropped['id']}/cancel", headers=buyer.headers)
    assert cancel.json()["status"] == "cancelled"
    assert await stock(client, pid) == 45
    checkout = app.state.resources.checkout
    assert await expire_due_orders(checkout, now=utcnow() + timedelta(hours=1)) == 1
    assert (await client.get(f"/api/orders/{kept['id']}", headers=buyer.headers)).json()[
        "status"
    ] == "expired"
    assert await stock(client, pid) == 50


@pytest.mark.parametrize(
    ("quantity", "key", "status"),
    [(0, "k", 422), (-1, "k", 422), (100, "k", 422), (10**12, "k", 422), (1, "", 422)],
)
async def test_bad_requests(
    client: httpx.AsyncClient, quantity: int, key: str, status: int
) -> None:
    """Bad quantities and keys are refused and take no stock."""
    _, _, rid, pid = await shop_with_room(client)
    buyer = await signup(client, "bob")
    response = await buy(client, buyer, rid, pid, key, quantity)
    assert response.status_code == status, response.text
    assert await stock(client, pid) == 50


async def test_off_shelf_unknown_and_ended(client: httpx.AsyncClient) -> None:
    """Products off this room's shelf, unknown rooms and ended rooms cannot be bought."""
    shop, host, rid, pid = await shop_with_room(client)
    other = (
        await client.post(
            "/api/products",
            json={"title": "Other", "price_cents": 5, "stock": 5},
            headers=shop.headers,
        )
    ).json()["id"]
    buyer = await signup(client, "bob")
    assert (await buy(client, buyer, rid, other, "a")).status_code == 404
    assert (await buy(client, buyer, 999, pid, "b")).status_code == 404
    await client.post(f"/api/rooms/{rid}/end", headers=host.headers)
    ended = await buy(client, buyer, rid, pid, "c")
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "room_ended"
    anonymous = await client.post(f"/api/rooms/{rid}/products/{pid}/orders", json={})
    assert anonymous.status_code == 401


async def test_deal_units_leave_product_stock_and_come_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Scheduling a deal reserves its units from the product; cancelling or ending it
    returns what was not sold."""
    shop, _, rid, pid = await shop_with_room(client, live=True)
    cancelled = (await launch(client, shop, rid, pid, quantity=20, countdown_seconds=600)).json()
    assert await stock(client, pid) == 30
    too_many = await launch(client, shop, rid, pid, quantity=31)
    assert too_many.status_code == 422
    await client.post(f"/api/sales/{cancelled['id']}/cancel", headers=shop.headers)
    assert await stock(client, pid) == 50
    sale = (await launch(client, shop, rid, pid, quantity=10, duration_seconds=60)).json()
    buyer = await signup(client, "bob")
    await advance_sales(app.state.resources.db, now=utcnow())
    headers = {**buyer.headers, "Idempotency-Key": "x"}
    bought = await client.post(
        f"/api/sales/{sale['id']}/orders", json={"quantity": 2}, headers=headers
    )
    assert bought.status_code == 201, bought.text
    assert await stock(client, pid) == 40
    await advance_sales(app.state.resources.db, now=utcnow() + timedelta(minutes=5))
    assert await stock(client, pid) == 48  # the 8 unsold units are back
    checkout = app.state.resources.checkout
    await expire_due_orders(checkout, now=utcnow() + timedelta(hours=1))
    assert await stock(client, pid) == 50  # and the expired order's 2 after the deal


async def test_ending_the_show_closes_its_deals(app: FastAPI, client: httpx.AsyncClient) -> None:
    """When the show ends, its live deal ends (buyers are refused) and its upcoming deal
    is cancelled; their unsold units go back to the product."""
    shop, host, rid, pid = await shop_with_room(client, live=True)
    live = (await launch(client, shop, rid, pid, quantity=10)).json()
    later = (await launch(client, shop, rid, pid, quantity=5, countdown_seconds=600)).json()
    await advance_sales(app.state.resources.db, now=utcnow())
    buyer = await signup(client, "bob")
    headers = {**buyer.headers, "Idempotency-Key": "before"}
    url = f"/api/sales/{live['id']}/orders"
    assert (await client.post(url, json={"quantity": 1}, headers=headers)).status_code == 201
    assert (await client.post(f"/api/rooms/{rid}/end", headers=host.headers)).status_code == 200
    statuses = {
        s["id"]: s["status"] for s in (await client.get(f"/api/rooms/{rid}/sales")).json()["sales"]
    }
    assert statuses == {live["id"]: "ended", later["id"]: "cancelled"}
    after = await client.post(
        url, json={"quantity": 1}, headers={**buyer.headers, "Idempotency-Key": "after"}
    )
    assert after.status_code == 409
    assert after.json()["error"]["code"] == "sale_ended"
    assert await stock(client, pid) == 49  # everything but the one unit sold


async def test_buyer_hears_their_own_order_on_the_room_socket(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Placing and paying an order reach the buyer's room socket as order.updated; other
    viewers of the room hear nothing of it."""
    _, _, rid, pid = await shop_with_room(client)
    buyer, other = await signup(client, "bob"), await signup(client, "eve")
    await address(client, buyer)
    async with (
        serve(app) as base,
        viewer(base, rid, f"?token={buyer.token}") as mine,
        viewer(base, rid, f"?token={other.token}") as theirs,
    ):
        await mine.next("room.snapshot")
        await theirs.next("room.snapshot")
        placed = (await buy(client, buyer, rid, pid, "k")).json()
        assert (await mine.next("order.updated"))["data"] == {
            "order_id": placed["id"],
            "status": "pending_payment",
            "sale_id": None,
        }
        await client.post(f"/api/orders/{placed['id']}/pay", headers=buyer.headers)
        paid = await mine.next("order.updated")
        assert (paid["data"]["status"], paid["seq"]) == ("paid", None)
        await client.put(
            f"/api/rooms/{rid}/pin", json={"product_id": pid}, headers=(await _host(client)).headers
        )
        await theirs.next("product.pinned")
        assert [e["type"] for e in theirs.seen if e["type"] == "order.updated"] == []


async def _host(client: httpx.AsyncClient) -> Account:
    login = await client.post(
        "/api/auth/login", json={"handle": "anna", "password": "correct horse"}
    )
    client.cookies.clear()
    body = login.json()
    return Account(body["user"]["id"], "anna", "host", body["token"])
