"""Honest numbers: the stats the API answers (read through the rollup) equal a recount
from the raw ledger rows (``analytics.recount``), for a show of random rows."""

from __future__ import annotations

import random

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import MINUTE_METRICS, PRODUCT_METRICS, evaluate
from livecommerce.analytics.recount import ledger_rows, recount
from tests.analytics._show import Show, live_show, rows_of

pytestmark = pytest.mark.usefixtures("shape")


async def _random_show(app: FastAPI, client: httpx.AsyncClient, seed: int) -> Show:
    """Many flushes of sessions, samples and beacons (so rollup rows are added to more
    than once), and orders through every step, over about six minutes."""
    rng = random.Random(seed)
    show = await live_show(app, client, products=3, ago=400)
    ledger = show.ledger()
    open_sessions: list[int] = []
    order_id = 0
    for tick in range(40):
        show.at(tick * 9)
        show.viewers = rng.randint(0, 50)
        for _ in range(rng.randint(0, 4)):
            who = (
                f"u:{rng.randint(1, 12)}"
                if rng.random() < 0.7
                else f"ip:10.0.0.{rng.randint(1, 5)}"
            )
            open_sessions.append(ledger.joined(show.room_id, who))
        if open_sessions and rng.random() < 0.6:
            ledger.left(open_sessions.pop(rng.randrange(len(open_sessions))))
        for kind in (kinds.IMPRESSION, kinds.CLICK, kinds.SHEET_OPENED):
            ledger.count(show.room_id, kind, rng.choice(show.product_ids), rng.randint(1, 9))
        await ledger.flush()
        if rng.random() < 0.5:
            order_id += 1
            await _order(show, rng, order_id, tick * 9)
    return show


async def _order(show: Show, rng: random.Random, order_id: int, seconds: float) -> None:
    product_id, buyer = rng.choice(show.product_ids), rng.randint(1, 12)
    amount = rng.randint(1, 5) * 1500
    row = {"order_id": order_id, "buyer": buyer, "product_id": product_id}
    await show.order_row(kinds.PLACED, seconds, amount=amount, **row)
    fate = rng.choice(["paid", "paid", "cancelled", "expired", "pending", "refunded"])
    later = seconds + rng.randint(1, 120)
    if fate in ("paid", "refunded"):
        await show.order_row(kinds.PAID, later, amount=amount, **row)
    if fate in ("cancelled", "expired"):
        await show.order_row(f"order.{fate}", later, amount=amount, **row)
    if fate == "refunded":
        part = rng.randint(1, amount)
        await show.order_row(kinds.REFUNDED, later + 30, amount=part, **row)
        await show.order_row(kinds.REFUNDED, later + 90, amount=amount - part, **row)


@pytest.mark.parametrize("seed", [1, 2])
async def test_stats_equal_a_recount_of_the_rows(
    app: FastAPI, client: httpx.AsyncClient, seed: int
) -> None:
    """Whole show, both windows, every product and every minute: API == recount(rows)."""
    show = await _random_show(app, client, seed)
    rows = ledger_rows(await rows_of(show.db, show.room_id))
    assert len(rows) > 100
    get = client.get
    headers = show.host.headers
    body = (await get(f"/api/rooms/{show.room_id}/stats", headers=headers)).json()
    assert body["metrics"] == evaluate(recount(rows))
    assert body["metrics"]["orders"] > 0 and body["metrics"]["impressions"] > 0
    for window in ("last", "previous"):
        span = body["recent"][window]
        minutes = (span["from_minute"], span["to_minute"])
        assert span["metrics"] == evaluate(recount(rows, minutes=minutes)), window
    products = (await get(f"/api/rooms/{show.room_id}/stats/products", headers=headers)).json()
    for line in products["products"]:
        expected = evaluate(recount(rows, product_id=line["product_id"]), PRODUCT_METRICS)
        assert {k: line[k] for k in PRODUCT_METRICS} == expected
    assert {p["product_id"] for p in products["products"]} == set(show.product_ids)
    series = (await get(f"/api/rooms/{show.room_id}/stats/minutes", headers=headers)).json()
    assert len(series["minutes"]) >= 6
    for minute in series["minutes"]:
        m = minute["minute"]
        expected = evaluate(recount(rows, minutes=(m, m)), MINUTE_METRICS)
        assert {k: minute[k] for k in MINUTE_METRICS} == expected, m
