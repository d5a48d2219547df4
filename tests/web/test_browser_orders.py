"""After payment in a real Chromium: the merchant ships, the buyer confirms receipt and
asks for a return, the merchant approves, the buyer sees the refund; in zh and en."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from livecommerce.routes.deps import SESSION_COOKIE
from tests.servers import Server
from tests.users import Account, address, product, room, signup
from tests.web.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
MESSAGES = json.loads((Path(__file__).parents[2] / "web/static/i18n/messages.json").read_text())


def text(key: str, lang: str) -> str:
    value: str = MESSAGES[key][lang]
    return value


async def paid_order(server: Server) -> tuple[Account, Account]:
    async with httpx.AsyncClient(base_url=server.url) as api:
        shop = await signup(api, "teashop", "merchant")
        host = await signup(api, "anchor", "host")
        pid = (await product(api, shop, "Longjing tea", stock=10))["id"]
        rid = (await room(api, shop, host, [pid]))["id"]
        bob = await signup(api, "bob")
        await address(api, bob)
        api.cookies.clear()
        headers = {**bob.headers, "Idempotency-Key": "k1"}
        placed = await api.post(
            f"/api/rooms/{rid}/products/{pid}/orders", json={"quantity": 2}, headers=headers
        )
        assert placed.status_code == 201, placed.text
        paid = await api.post(
            f"/api/orders/{placed.json()['id']}/pay", json={}, headers=bob.headers
        )
        assert paid.json()["status"] == "paid", paid.text
    return shop, bob


async def as_user(
    browser: Browser, server: Server, who: Account, lang: str
) -> tuple[BrowserContext, Page]:
    context, page = await new_page(browser, server, lang=lang)
    token = who.headers["Authorization"].removeprefix("Bearer ")
    await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server.url}])
    return context, page


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_ship_receive_return_refund(browser: Browser, server: Server, lang: str) -> None:
    """The whole after-payment path through the two pages, with its timeline."""
    shop, bob = await paid_order(server)
    merchant_ctx, console = await as_user(browser, server, shop, lang)
    buyer_ctx, orders = await as_user(browser, server, bob, lang)

    await console.goto("/console")
    row = console.get_by_test_id("order-row")
    await row.get_by_test_id("ship-carrier").fill("SF Express")
    await row.get_by_test_id("ship-tracking").fill("SF1234567")
    await row.get_by_test_id("order-ship").click()
    await expect(row.get_by_test_id("order-row-status")).to_have_text(
        text("orders.status_shipped", lang)
    )

    await orders.goto("/orders")
    card = orders.get_by_test_id("order-card")
    await expect(card.get_by_test_id("order-timeline")).to_contain_text("SF1234567")
    await card.get_by_test_id("order-receipt").click()
    await expect(card.get_by_test_id("order-status")).to_have_text(
        text("orders.status_delivered", lang)
    )
    await card.get_by_test_id("return-quantity").fill("1")
    await card.get_by_test_id("order-return").click()
    await expect(card.get_by_test_id("order-status")).to_have_text(
        text("orders.status_refund_requested", lang)
    )

    await console.reload()
    row = console.get_by_test_id("order-row")
    await shot(console, f"orders-console-return-{lang}")
    await row.get_by_test_id("order-approve").click()
    await expect(row.get_by_test_id("order-row-status")).to_have_text(
        text("orders.status_partially_refunded", lang)
    )

    await orders.reload()
    card = orders.get_by_test_id("order-card")
    await expect(card.get_by_test_id("order-status")).to_have_text(
        text("orders.status_partially_refunded", lang)
    )
    timeline = card.get_by_test_id("order-timeline")
    for step in (
        "placed",
        "paid",
        "shipped",
        "delivered",
        "refund_requested",
        "partially_refunded",
    ):
        await expect(timeline.locator(f'li[data-step="{step}"]')).to_have_count(1)
    await expect(card.get_by_test_id("order-refunded")).to_be_visible()
    await shot(orders, f"orders-refunded-{lang}")
    await merchant_ctx.close()
    await buyer_ctx.close()
