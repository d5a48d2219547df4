"""The red flag on the live dashboard's worst headline number, in real Chromium.

A live show twenty minutes in, with known orders in the previous ten minutes and the last
ten: the card whose number fell most (turned so that lower-is-better rates count the other
way) is flagged in red, this test's own arithmetic says which one that is, and the flag
goes once the show has ended (its numbers are final, nothing left to act on).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import update

from livecommerce.orders import funnel
from livecommerce.orders.funnel import show_clock
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import Room, utcnow
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
MINUTES_IN = 20
SETTLE_MS = 30_000
# (minute, buyer, amount): the previous window (minutes 1-10) sold 4 orders to 4 buyers,
# the last (11-20) 2 orders to 1 buyer: buyers fell 75 %, orders 50 %, GMV 25 %.
ORDERS = [(3, 1, 1000), (5, 2, 1000), (7, 3, 1000), (9, 4, 1000), (14, 5, 1500), (16, 5, 1500)]
# The headline cards that compare windows, and the metric each reads (dashboard-format.js);
# lower_is_better as there.
HEADLINES = {
    "gmv_gross": "gmv_gross_cents", "gmv_net": "gmv_net_cents", "orders": "orders",
    "buyers": "buyers", "viewers_peak": "peak_viewers", "viewers_unique": "unique_viewers",
    "avg_watch": "avg_watch_ms", "ctr": "ctr", "click_to_order": "click_to_order",
    "conversion": "view_to_buy", "gpm": "gpm_cents", "aov": "aov_cents",
    "unpaid_rate": "unpaid_rate", "refund_rate": "refund_rate",
}  # fmt: skip
LOWER_IS_BETTER = {"unpaid_rate", "refund_rate"}
DANGER = "rgb(229, 72, 77)"  # --danger in app.css


def expected_worst(recent: dict[str, Any]) -> str | None:
    """The rule, restated: the card with the most negative change from the previous window
    to the last (a lower-is-better rate's change turned round); none when nothing fell."""
    worst: tuple[float, str] | None = None
    for key, metric in HEADLINES.items():
        last, previous = recent["last"]["metrics"][metric], recent["previous"]["metrics"][metric]
        if last is None or previous is None or previous == 0:
            continue
        change = (last - previous) / abs(previous)
        change = -change if key in LOWER_IS_BETTER else change
        if change < 0 and (worst is None or change < worst[0]):
            worst = (change, key)
    return worst[1] if worst else None


async def seed_orders(settings: Settings, room_id: int, product_id: int) -> None:
    """Move the show's start back and write its orders straight into the ledger, as the
    orders' own transactions would have (placed and paid rows, rollup and all)."""
    db = Database(settings.database_url)
    started = utcnow() - timedelta(minutes=MINUTES_IN, seconds=30)
    rows = []
    for order_id, (minute, buyer, amount) in enumerate(ORDERS, start=9000):
        at = started + timedelta(minutes=minute, seconds=10)
        elapsed, at_minute = show_clock(started, at)
        for kind in (funnel.PLACED, funnel.PAID):
            rows.append({
                "room_id": room_id, "kind": kind, "at": at, "elapsed_ms": elapsed,
                "minute": at_minute, "product_id": product_id, "sale_id": None,
                "order_id": order_id, "viewer": f"u:{buyer}", "count": 1,
                "amount_cents": amount, "value_ms": 0, "detail": "",
            })  # fmt: skip
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(
                update(Room).where(Room.id == room_id).values(started_at=started)
            )
            await funnel.append_rows(uow, rows)
    finally:
        await db.dispose()


async def test_worst_metric_is_flagged_while_live(
    browser: Browser, server: Server, settings: Settings
) -> None:
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    await seed_orders(settings, room_id, show.room_products[0])
    async with httpx.AsyncClient(base_url=server.url) as api:
        headers = {"Authorization": f"Bearer {show.host_token}"}
        stats = (await api.get(f"/api/rooms/{room_id}/stats", headers=headers)).json()
    recent = stats["recent"]
    assert (recent["previous"]["from_minute"], recent["last"]["to_minute"]) == (1, MINUTES_IN)
    assert recent["previous"]["metrics"]["buyers"] == 4 and recent["last"]["metrics"]["buyers"] == 1
    assert recent["last"]["metrics"]["orders"] == 2
    # Buyers fell most (-75 %), ahead of orders (-50 %), which comes first on the page.
    assert expected_worst(recent) == "buyers"

    context, studio = await new_page(browser, server)
    await login(studio, "anchor", f"/studio/{room_id}")
    flags = studio.get_by_test_id("dashboard").get_by_test_id("dash-worst")
    await expect(flags).to_have_count(1, timeout=SETTLE_MS)
    card = studio.get_by_test_id("dash-buyers")
    await expect(card).to_have_class("dash-card worst")
    await expect(card.get_by_test_id("dash-worst")).to_be_visible()
    value = card.locator(".dash-value")
    assert await value.evaluate("(e) => getComputedStyle(e).color") == DANGER
    border = await card.evaluate("(e) => getComputedStyle(e).borderTopColor")
    assert border == DANGER
    orders_color = (
        await studio.get_by_test_id("dash-orders")
        .locator(".dash-value")
        .evaluate("(e) => getComputedStyle(e).color")
    )
    assert orders_color != DANGER
    await card.scroll_into_view_if_needed()
    await shot(studio, "dashboard-worst-flag", full_page=False)

    async with httpx.AsyncClient(base_url=server.url) as api:
        assert (await api.post(f"/api/rooms/{room_id}/end", headers=headers)).is_success
    await expect(studio.get_by_test_id("dashboard")).to_have_attribute(
        "data-status", "ended", timeout=SETTLE_MS
    )
    await expect(flags).to_have_count(0)
    await context.close()
