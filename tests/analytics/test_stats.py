"""A show built from known ledger rows: every metric checked against numbers worked out
by hand, whole show, per product, per minute and in the ten-minute windows."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.analytics import kinds
from tests.analytics._show import Show, live_show

pytestmark = pytest.mark.usefixtures("shape")


async def _known_show(app: FastAPI, client: httpx.AsyncClient) -> Show:
    """Sessions, samples, beacons and orders whose every total is worked out below."""
    show = await live_show(app, client)
    a, b = show.product_ids
    ledger = show.ledger()
    show.at(0)
    first = ledger.joined(show.room_id, "u:1")
    show.at(10)
    second = ledger.joined(show.room_id, "u:2")
    show.at(15)
    ledger.left(second)  # 5 s: not an effective view
    show.at(30)
    ledger.left(first)  # 30 s
    show.viewers = 2
    ledger.count(show.room_id, kinds.IMPRESSION, a, 10)
    ledger.count(show.room_id, kinds.CLICK, a, 3)
    ledger.count(show.room_id, kinds.SHEET_OPENED, a, 2)
    ledger.count(show.room_id, kinds.IMPRESSION, 999_999, 5)  # not on the shelf: dropped
    show.at(50)
    open_session = ledger.joined(show.room_id, "u:3")  # keeps sampling alive
    await ledger.flush()  # minute 0, peak sample 2
    show.at(65)
    ledger.joined(show.room_id, "ip:10.0.0.9")  # never leaves
    show.at(70)
    again = ledger.joined(show.room_id, "u:1")
    ledger.count(show.room_id, kinds.IMPRESSION, b, 10)
    ledger.count(show.room_id, kinds.CLICK, b, 1)
    show.viewers = 3
    show.at(90)
    await ledger.flush()  # minute 1, peak sample 3
    show.at(130)
    ledger.left(again)  # 60 s, ends in minute 2
    ledger.left(open_session)  # 80 s, ends in minute 2
    show.viewers = 1
    await ledger.flush(sample=False)
    for kind, seconds, order_id, buyer, product_id, amount in [
        (kinds.PLACED, 20, 1, 1, a, 3000), (kinds.PAID, 40, 1, 1, a, 3000),
        (kinds.PLACED, 61, 2, 2, a, 1500), (kinds.EXPIRED, 100, 2, 2, a, 1500),
        (kinds.PLACED, 75, 3, 1, b, 5000), (kinds.PAID, 80, 3, 1, b, 5000),
        (kinds.REFUNDED, 150, 3, 1, b, 2000), (kinds.REFUNDED, 190, 3, 1, b, 3000),
        (kinds.PLACED, 125, 4, 5, b, 1000), (kinds.CANCELLED, 140, 4, 5, b, 1000),
    ]:  # fmt: skip
        await show.order_row(
            kind, seconds, order_id=order_id, buyer=buyer, product_id=product_id, amount=amount
        )
    return show


SHOW = {
    "views": 5,  # u:1 twice, u:2, u:3, one anonymous
    "unique_viewers": 4,
    "peak_viewers": 3,
    "effective_views": 3,  # 30 s, 60 s, 80 s (5 s is not)
    "avg_watch_ms": 43750,  # (5 + 30 + 60 + 80) s / 4 finished sessions
    "impressions": 20, "clicks": 4, "sheet_opens": 2,
    "orders": 4, "paid_orders": 2, "cancelled_orders": 1, "expired_orders": 1,
    "refunded_orders": 1, "buyers": 3,
    "gmv_gross_cents": 10500, "gmv_paid_cents": 8000, "refunded_cents": 5000,
    "gmv_net_cents": 3000,
    "ctr": 0.2, "click_to_order": 1.0, "view_to_buy": 0.75,
    "gpm_cents": 2_100_000.0,  # 10500 x 1000 / 5
    "aov_cents": 2625.0, "unpaid_rate": 0.5, "refund_rate": 0.5,
}  # fmt: skip


async def test_every_show_metric_by_hand(app: FastAPI, client: httpx.AsyncClient) -> None:
    """The whole-show metrics are exactly the hand-worked numbers."""
    show = await _known_show(app, client)
    answer = await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.host.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["metrics"] == SHOW
    assert body["final"] is False and body["status"] == "live"


async def test_products_by_hand(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Each product's funnel and money, by hand; the unknown product left no row."""
    show = await _known_show(app, client)
    a, b = show.product_ids
    answer = await client.get(
        f"/api/rooms/{show.room_id}/stats/products", headers=show.shop.headers
    )
    rows = {r["product_id"]: r for r in answer.json()["products"]}
    assert set(rows) == {a, b}
    assert [r["product_id"] for r in answer.json()["products"]] == [b, a]  # GMV 6000 > 4500
    assert rows[a] | {"title": ""} == {
        "product_id": a, "title": "", "impressions": 10, "clicks": 3, "sheet_opens": 2,
        "orders": 2, "paid_orders": 1, "buyers": 2, "gmv_gross_cents": 4500,
        "gmv_paid_cents": 3000, "refunded_cents": 0, "gmv_net_cents": 3000, "ctr": 0.3,
        "click_to_order": 2 / 3, "aov_cents": 2250.0, "unpaid_rate": 0.5, "refund_rate": 0.0,
    }  # fmt: skip
    assert rows[b]["title"] == "P1"
    assert {k: rows[b][k] for k in ("impressions", "clicks", "sheet_opens", "buyers")} == {
        "impressions": 10, "clicks": 1, "sheet_opens": 0, "buyers": 2,
    }  # fmt: skip
    assert (rows[b]["gmv_net_cents"], rows[b]["refund_rate"], rows[b]["ctr"]) == (0, 1.0, 0.1)
    assert rows[b]["click_to_order"] == 2.0 and rows[b]["unpaid_rate"] == 0.5


async def test_minutes_by_hand(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Minute by minute, by hand; minute 3 holds only the second refund."""
    show = await _known_show(app, client)
    answer = await client.get(f"/api/rooms/{show.room_id}/stats/minutes", headers=show.host.headers)
    minutes = {m["minute"]: m for m in answer.json()["minutes"]}
    assert list(minutes)[:4] == [0, 1, 2, 3]
    m0, m1, m2, m3 = (minutes[i] for i in range(4))
    assert (m0["views"], m0["effective_views"], m0["avg_watch_ms"], m0["peak_viewers"]) == (
        3, 1, 17500, 2,
    )  # fmt: skip
    assert (m0["impressions"], m0["clicks"], m0["ctr"], m0["orders"], m0["buyers"]) == (
        10, 3, 0.3, 1, 1,
    )  # fmt: skip
    assert (m0["gmv_gross_cents"], m0["gmv_paid_cents"], m0["gpm_cents"]) == (3000, 3000, 1e6)
    assert (m1["views"], m1["peak_viewers"], m1["avg_watch_ms"], m1["orders"]) == (2, 3, None, 2)
    assert (m1["gmv_gross_cents"], m1["gmv_paid_cents"], m1["buyers"]) == (6500, 5000, 2)
    assert (m1["ctr"], m1["click_to_order"]) == (0.1, 2.0)
    assert (m2["views"], m2["effective_views"], m2["avg_watch_ms"]) == (0, 2, 70000)
    assert (m2["orders"], m2["refunded_cents"], m2["gmv_net_cents"]) == (1, 2000, -2000)
    assert (m2["ctr"], m2["gpm_cents"], m2["peak_viewers"]) == (None, None, 0)
    assert (m3["refunded_cents"], m3["orders"]) == (3000, 0)
    assert m0["start"] == show.started.isoformat()


async def test_last_ten_minutes_against_the_ten_before(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Live, the last window holds the whole (young) show and the one before is empty:
    its ratios are null, not zero."""
    show = await _known_show(app, client)
    body = (await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.host.headers)).json()
    last, previous = body["recent"]["last"], body["recent"]["previous"]
    assert last["to_minute"] - last["from_minute"] == 9
    assert previous["to_minute"] == last["from_minute"] - 1
    assert last["metrics"] == SHOW
    assert previous["metrics"]["views"] == 0 and previous["metrics"]["ctr"] is None


async def test_a_window_counts_its_own_minutes(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Once the show ends at minute 11, the last window is minutes 2-11 and the previous
    one minutes -8 to 1: the rows of minutes 0 and 1 fall in the previous window."""
    show = await _known_show(app, client)
    from datetime import timedelta

    from sqlalchemy import update

    from livecommerce.storage.models import Room

    async with show.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Room)
            .where(Room.id == show.room_id)
            .values(status="ended", ended_at=show.started + timedelta(minutes=11, seconds=5))
        )
    body = (await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.host.headers)).json()
    assert body["final"] is True
    last, previous = body["recent"]["last"], body["recent"]["previous"]
    assert (last["from_minute"], last["to_minute"]) == (2, 11)
    assert (previous["from_minute"], previous["to_minute"]) == (-8, 1)
    assert (previous["metrics"]["views"], last["metrics"]["views"]) == (5, 0)
    assert (previous["metrics"]["orders"], last["metrics"]["orders"]) == (3, 1)
    assert last["metrics"]["refunded_cents"] == 5000
    assert last["metrics"]["buyers"] == 1 and previous["metrics"]["buyers"] == 2
    assert body["metrics"] == SHOW
