"""Shows after scheduling (#15): edit, shelf changes, covers, deals that sell only while
their show is live, one deal at a time, products that a show still sells."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.sales import scheduler
from livecommerce.sales.scheduler import advance_sales
from livecommerce.storage.models import utcnow
from tests.routes.test_sales import launch, shop_with_room
from tests.users import address, product, room, signup

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def buy(client: httpx.AsyncClient, sale_id: int, key: str) -> httpx.Response:
    buyer = await signup(client, f"buyer{key}")
    headers = {**buyer.headers, "Idempotency-Key": key}
    return await client.post(f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=headers)


async def test_a_deal_sells_only_while_its_show_is_live(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A deal whose start came on a show not yet live waits (and refuses buyers); it goes
    live with the show."""
    shop, host, rid, pid = await shop_with_room(client)
    sale = (await launch(client, shop, rid, pid)).json()
    await advance_sales(app.state.resources.db, now=utcnow())
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["status"] == "scheduled"
    refused = await buy(client, sale["id"], "a")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "sale_not_started"
    assert (await client.post(f"/api/rooms/{rid}/start", headers=host.headers)).is_success
    await advance_sales(app.state.resources.db, now=utcnow())
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["status"] == "live"
    assert (await buy(client, sale["id"], "b")).status_code == 201


async def test_a_deal_whose_window_passes_before_the_show_is_cancelled(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Its units go back to the product; it never sold."""
    shop, _, rid, pid = await shop_with_room(client)
    sale = (await launch(client, shop, rid, pid, quantity=5, duration_seconds=60)).json()
    later = utcnow().replace(year=utcnow().year + 1)
    await advance_sales(app.state.resources.db, now=later)
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["status"] == "cancelled"
    assert (await client.get(f"/api/products/{pid}")).json()["stock"] == 50


async def test_deals_waiting_for_their_show_do_not_hold_back_a_live_one(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler reads a batch at a time; deals whose show is not live are not in it,
    so however many wait, a deal of a live show still starts."""
    shop, host, waiting_room, pid = await shop_with_room(client)
    waiting = (await launch(client, shop, waiting_room, pid, quantity=2)).json()
    live_room = (await room(client, shop, host, [pid]))["id"]
    assert (await client.post(f"/api/rooms/{live_room}/start", headers=host.headers)).is_success
    sale = (await launch(client, shop, live_room, pid, quantity=2)).json()
    monkeypatch.setattr(scheduler, "BATCH", 1)
    await advance_sales(app.state.resources.db, now=utcnow())
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["status"] == "live"
    assert (await client.get(f"/api/sales/{waiting['id']}")).json()["status"] == "scheduled"


async def test_a_second_deal_in_the_same_window_is_refused(client: httpx.AsyncClient) -> None:
    """Viewers see one deal at a time: an overlapping one is a 409 sale_overlaps; a later
    one is fine."""
    shop, _, rid, pid = await shop_with_room(client)
    assert (await launch(client, shop, rid, pid, quantity=2)).status_code == 201
    clash = await launch(client, shop, rid, pid, quantity=2)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "sale_overlaps"
    later = await launch(client, shop, rid, pid, quantity=2, countdown_seconds=600)
    assert later.status_code == 201, later.text


async def test_a_product_on_an_open_shelf_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    """409 product_on_shelf while a show that has not ended has it; fine once it is off."""
    shop, _, rid, pid = await shop_with_room(client)
    refused = await client.delete(f"/api/products/{pid}", headers=shop.headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "product_on_shelf"
    emptied = await client.put(
        f"/api/rooms/{rid}/shelf", json={"product_ids": []}, headers=shop.headers
    )
    assert emptied.status_code == 200, emptied.text
    assert (await client.delete(f"/api/products/{pid}", headers=shop.headers)).status_code == 204


async def test_the_shelf_changes_but_keeps_products_with_open_deals(
    client: httpx.AsyncClient,
) -> None:
    """A new shelf replaces the old in order; a product with an open deal stays (409)."""
    shop, _, rid, pid = await shop_with_room(client)
    other = (await product(client, shop, "Cup", stock=10))["id"]
    changed = await client.put(
        f"/api/rooms/{rid}/shelf", json={"product_ids": [other, pid]}, headers=shop.headers
    )
    assert [p["id"] for p in changed.json()["shelf"]] == [other, pid]
    detail = (await client.get(f"/api/rooms/{rid}")).json()
    assert [p["id"] for p in detail["shelf"]] == [other, pid]
    await launch(client, shop, rid, pid, quantity=2)
    kept = await client.put(
        f"/api/rooms/{rid}/shelf", json={"product_ids": [other]}, headers=shop.headers
    )
    assert kept.status_code == 409
    assert kept.json()["error"]["code"] == "product_in_deal"


async def test_a_show_is_edited_and_rescheduled_until_it_starts(
    client: httpx.AsyncClient,
) -> None:
    """Title and time change while scheduled; a started show keeps its time."""
    shop, host, rid, _ = await shop_with_room(client)
    when = "2031-02-03T04:05:00Z"
    edited = await client.patch(
        f"/api/rooms/{rid}", json={"title": "New title", "scheduled_at": when},
        headers=shop.headers,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "New title"
    assert edited.json()["scheduled_at"].startswith("2031-02-03T04:05")
    viewer = await signup(client, "vic")
    stranger = await client.patch(f"/api/rooms/{rid}", json={"title": "x"}, headers=viewer.headers)
    assert stranger.status_code == 403
    await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    late = await client.patch(
        f"/api/rooms/{rid}", json={"scheduled_at": when}, headers=shop.headers
    )
    assert late.status_code == 422


async def test_a_cover_is_uploaded_checked_and_served(client: httpx.AsyncClient) -> None:
    """A PNG is stored and served from the room's cover_url; a wrong type or a lie about
    the type is a 422, an oversized body a 413."""
    shop, _, rid, _ = await shop_with_room(client)
    url = f"/api/rooms/{rid}/cover"
    png = {**shop.headers, "Content-Type": "image/png"}
    stored = await client.put(url, content=PNG, headers=png)
    assert stored.status_code == 200, stored.text
    cover = stored.json()["cover_url"]
    assert cover.startswith("/covers/") and cover.endswith(".png")
    served = await client.get(cover)
    assert served.status_code == 200 and served.content == PNG
    assert (await client.get(f"/api/rooms/{rid}")).json()["cover_url"] == cover
    gif = {**shop.headers, "Content-Type": "image/gif"}
    assert (await client.put(url, content=b"GIF89a", headers=gif)).status_code == 422
    assert (await client.put(url, content=b"<svg/>", headers=png)).status_code == 422
    big = await client.put(url, content=PNG + b"\x00" * (3 * 1024 * 1024), headers=png)
    assert big.status_code == 413
    assert (await client.get("/covers/..%2Fsecret.png")).status_code == 404


async def test_the_order_numbers_count_placed_and_paid(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The studio's counter comes from the orders: placed (pending or paid, not cancelled)
    and paid with its takings, for managers only."""
    shop, host, rid, pid = await shop_with_room(client)
    await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    sale = (await launch(client, shop, rid, pid)).json()
    await advance_sales(app.state.resources.db, now=utcnow())
    placed = [await signup(client, f"buyer{n}") for n in range(3)]
    orders = []
    for n, buyer in enumerate(placed):
        headers = {**buyer.headers, "Idempotency-Key": f"n{n}"}
        made = await client.post(
            f"/api/sales/{sale['id']}/orders", json={"quantity": 1}, headers=headers
        )
        assert made.status_code == 201, made.text
        orders.append(made.json()["id"])
    numbers = await client.get(f"/api/rooms/{rid}/numbers", headers=host.headers)
    assert numbers.json() == {"orders": 3, "paid": 0, "paid_cents": 0}
    await address(client, placed[0])
    paid = await client.post(f"/api/orders/{orders[0]}/pay", headers=placed[0].headers)
    assert paid.is_success, paid.text
    cancelled = await client.post(f"/api/orders/{orders[1]}/cancel", headers=placed[1].headers)
    assert cancelled.is_success, cancelled.text
    numbers = await client.get(f"/api/rooms/{rid}/numbers", headers=shop.headers)
    assert numbers.json() == {"orders": 2, "paid": 1, "paid_cents": 990}
    viewer = await signup(client, "vic")
    assert (
        await client.get(f"/api/rooms/{rid}/numbers", headers=viewer.headers)
    ).status_code == 403
