"""The report's figures: the weakest metrics against the merchant's previous shows, and
post-live orders kept apart from the show's own."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from livecommerce.analytics import kinds, stats
from livecommerce.analytics.report import weakest
from livecommerce.orders.funnel import show_clock
from livecommerce.routes._report_page import ACTIONS
from livecommerce.storage.models import LedgerEntry, Order, Room
from tests.analytics._show import Show, live_show
from tests.users import Account, product, room, signup

pytestmark = pytest.mark.usefixtures("shape")


async def _show(
    app: FastAPI, client: httpx.AsyncClient, shop: Account, host: Account, ids: list[int]
) -> Show:
    rid = (await room(client, shop, host, ids))["id"]
    assert (await client.post(f"/api/rooms/{rid}/start", headers=host.headers)).status_code == 200
    db = app.state.resources.db
    async with db.read() as session:
        started = await session.scalar(select(Room.started_at).where(Room.id == rid))
    assert started is not None
    return Show(rid, shop, host, ids, started, db)


async def _funnel(show: Show, clicks: int, orders: list[tuple[int, str | None]]) -> None:
    """Ten impressions, ``clicks`` clicks, and orders of (amount, fate)."""
    ledger = show.ledger()
    ledger.count(show.room_id, kinds.IMPRESSION, show.product_ids[0], 10)
    ledger.count(show.room_id, kinds.CLICK, show.product_ids[0], clicks)
    await ledger.flush(sample=False)
    for n, (amount, fate) in enumerate(orders, 1):
        row = {"order_id": show.room_id * 100 + n, "buyer": n, "product_id": show.product_ids[0]}
        await show.order_row(kinds.PLACED, 1, amount=amount, **row)
        if fate is not None:
            await show.order_row(fate, 2, amount=amount, **row)


async def _end(client: httpx.AsyncClient, show: Show) -> None:
    ended = await client.post(f"/api/rooms/{show.room_id}/end", headers=show.host.headers)
    assert ended.status_code == 200, ended.text


async def test_the_three_weakest_against_previous_shows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Baselines are the means of earlier shows; the worst relative changes come first,
    signed so that a rise in a lower-is-better rate is negative."""
    shop, host = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    ids = [(await product(client, shop, "Tea", price_cents=1000))["id"]]
    first = await _show(app, client, shop, host, ids)
    await _funnel(first, 2, [(1000, kinds.PAID)])
    await _end(client, first)
    second = await _show(app, client, shop, host, ids)
    await _funnel(second, 4, [(3000, kinds.PAID), (3000, kinds.CANCELLED)])
    await _end(client, second)
    now = await _show(app, client, shop, host, ids)
    await _funnel(now, 1, [(1500, kinds.CANCELLED)])
    answer = await client.get(f"/api/rooms/{now.room_id}/stats/weakest", headers=shop.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["compared_shows"] == 2
    got = [(w["metric"], w["value"], w["baseline"], round(w["change"], 4)) for w in body["weakest"]]
    assert got == [
        ("unpaid_rate", 1.0, 0.25, -3.0),
        ("ctr", 0.1, pytest.approx(0.3), -0.6667),
        ("aov_cents", 1500.0, 2000.0, -0.25),
    ]
    first_answer = await client.get(
        f"/api/rooms/{first.room_id}/stats/weakest", headers=shop.headers
    )
    assert first_answer.json() == {"room": first.room_id, "compared_shows": 0, "weakest": []}


def test_weakest_skips_metrics_without_a_value_or_a_baseline() -> None:
    """No value now, no earlier value, or a zero baseline: not compared."""
    assert weakest({"ctr": None, "aov_cents": 10}, [{"ctr": 0.5, "aov_cents": None}]) == []
    assert weakest({"refund_rate": 0.5}, [{"refund_rate": 0.0}]) == []


async def test_post_live_orders(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Counted: a viewer's order of a shelf product within 7 days of the end. Not: a
    non-viewer's, one after 7 days, one of another product, one before the end."""
    shop, host = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    fan, stranger = await signup(client, "fan"), await signup(client, "stranger")
    tea = (await product(client, shop, "Tea", price_cents=1000))["id"]
    other = (await product(client, shop, "Cup", price_cents=500))["id"]
    show = await _show(app, client, shop, host, [tea])
    ledger = show.ledger()
    ledger.joined(show.room_id, f"u:{fan.id}")
    await ledger.flush(sample=False)
    before = await client.get(f"/api/rooms/{show.room_id}/stats/post-live", headers=shop.headers)
    assert before.json()["orders"] == 0 and before.json()["from"] is None
    await _end(client, show)
    async with show.db.read() as session:
        ended = await session.scalar(select(Room.ended_at).where(Room.id == show.room_id))
    assert ended is not None
    async with show.db.unit_of_work() as uow:
        for n, (buyer, product_id, delay, status) in enumerate([
            (fan, tea, timedelta(days=1), "paid"), (fan, tea, timedelta(days=2), "pending_payment"),
            (stranger, tea, timedelta(days=1), "paid"), (fan, tea, timedelta(days=8), "paid"),
            (fan, other, timedelta(days=1), "paid"), (fan, tea, timedelta(minutes=-5), "paid"),
        ]):  # fmt: skip
            at = ended + delay
            uow.session.add(Order(
                buyer_id=buyer.id, room_id=None, product_id=product_id, sale_id=None,
                quantity=2, unit_price_cents=1000, status=status, idempotency_key=f"k{n}",
                created_at=at, expires_at=at + timedelta(minutes=15),
            ))  # fmt: skip
    answer = await client.get(f"/api/rooms/{show.room_id}/stats/post-live", headers=shop.headers)
    body = answer.json()
    assert (body["orders"], body["buyers"], body["gmv_gross_cents"], body["gmv_paid_cents"]) == (
        2, 1, 4000, 2000,
    )  # fmt: skip
    assert body["products"] == [
        {
            "product_id": tea,
            "title": "Tea",
            "orders": 2,
            "gmv_gross_cents": 4000,
            "gmv_paid_cents": 2000,
        }
    ]
    assert body["window_days"] == 7 and body["from"] == ended.isoformat()
    show_stats = await client.get(f"/api/rooms/{show.room_id}/stats", headers=shop.headers)
    assert show_stats.json()["metrics"]["orders"] == 0  # apart from the show's own


async def test_stats_endpoints_refuse_viewers(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Every stats path is the host's, the merchant's or an admin's: 403 for others, 401
    anonymous, 404 for an unknown room."""
    shop, host = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    fan = await signup(client, "fan")
    show = await _show(app, client, shop, host, [(await product(client, shop))["id"]])
    for path in ("", "/minutes", "/minutes.csv", "/products", "/products.csv", "/timeline",
                 "/weakest", "/post-live"):  # fmt: skip
        url = f"/api/rooms/{show.room_id}/stats{path}"
        assert (await client.get(url, headers=fan.headers)).status_code == 403, path
        assert (await client.get(url)).status_code == 401, path
        missing = await client.get(f"/api/rooms/999999/stats{path}", headers=shop.headers)
        assert missing.status_code == 404, path
        assert (await client.get(url, headers=host.headers)).status_code == 200, path


async def test_csv_exports(app: FastAPI, client: httpx.AsyncClient) -> None:
    """The CSVs carry a header row and the same numbers as the JSON (null as empty)."""
    shop, host = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    ids = [(await product(client, shop, "Tea, green"))["id"]]
    show = await _show(app, client, shop, host, ids)
    await _funnel(show, 2, [(1000, kinds.PAID)])
    answer = await client.get(f"/api/rooms/{show.room_id}/stats/products.csv", headers=shop.headers)
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    lines = answer.text.splitlines()
    assert lines[0].startswith("product_id,title,impressions,clicks,sheet_opens,orders")
    assert lines[1].startswith(f'{ids[0]},"Tea, green",10,2,0,1,1,1,1000,1000,0,1000,0.2,0.5')
    minutes = await client.get(f"/api/rooms/{show.room_id}/stats/minutes.csv", headers=shop.headers)
    header, first = minutes.text.splitlines()[:2]
    assert header.split(",")[:4] == ["minute", "start", "views", "peak_viewers"]
    assert first.split(",")[0] == "0" and ",," in first  # avg watch time: no sessions


async def test_stats_paths_are_documented_in_the_openapi(client: httpx.AsyncClient) -> None:
    """The stats, per-minute and per-product answers (and their CSVs) are in the OpenAPI,
    each with a description a reader can act on."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("", "/minutes", "/minutes.csv", "/products", "/products.csv", "/timeline",
                 "/weakest", "/post-live"):  # fmt: skip
        operation = paths[f"/api/rooms/{{room_id}}/stats{path}"]["get"]
        assert operation["tags"] == ["analytics"], path
        assert len(operation.get("description", "")) > 40, path
    csv = paths["/api/rooms/{room_id}/stats/minutes.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv["content"]
    assert "/api/analytics/metrics" in paths


async def test_the_report_gives_each_action_the_orders_placed_until_the_next(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A pin, a deal and the show's end in one minute: each row of the host's actions
    counts the orders placed from it until the next, to the millisecond, and an order
    placed before the end is not the end's."""
    show = await live_show(app, client)
    tea, cup = show.product_ids
    actions = [("product.pinned", 10, tea), ("sale.started", 30, cup), ("room.ended", 50, None),
               ("sale.ended", 50.5, cup)]  # fmt: skip
    async with show.db.unit_of_work() as uow:
        for kind, seconds, product_id in actions:
            at = show.started + timedelta(seconds=seconds)
            elapsed, minute = show_clock(show.started, at)
            uow.session.add(LedgerEntry(
                room_id=show.room_id, kind=kind, at=at, elapsed_ms=elapsed, minute=minute,
                product_id=product_id, count=1, amount_cents=0, value_ms=0, detail="",
            ))  # fmt: skip
    # One before any action, one at the deal's very instant (the deal's), one just
    # before the show's end.
    for n, (seconds, amount) in enumerate([(5, 700), (20, 1500), (30, 3000), (49.9, 1500)]):
        await show.order_row(kinds.PLACED, seconds, order_id=n + 1, buyer=n + 100,
                             product_id=tea, amount=amount)  # fmt: skip
    async with show.db.read() as session:
        sold = await stats.sold_after(session, show.room_id, ACTIONS, len(actions))
        assert sold == [(1, 1500), (2, 4500), (0, 0), (0, 0)]
        assert await stats.sold_after(session, show.room_id, ("sale.started",), 1) == [(2, 4500)]
        assert await stats.sold_after(session, show.room_id, ("room.paused",), 0) == []
    page = await client.get(f"/console/rooms/{show.room_id}/report", headers=show.shop.headers)
    assert page.status_code == 200
    rows = re.findall(
        r'data-testid="timeline-row" data-kind="([a-z._]+)">.*?'
        r'data-kind="count" data-value="([0-9]+)".*?data-kind="money" data-value="([0-9]+)"',
        page.text, re.S,
    )  # fmt: skip
    # The show's own start row is the live ledger's, flushed on its clock: not counted here.
    assert [r for r in rows if r[0] != "room.started"] == [
        ("product.pinned", "1", "1500"), ("sale.started", "2", "4500"),
        ("room.ended", "0", "0"), ("sale.ended", "0", "0"),
    ]  # fmt: skip
