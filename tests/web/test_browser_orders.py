"""Orders in a real Chromium: the buyer buys and pays in the live room's buy sheet, the
merchant ships, the buyer confirms receipt and asks for a return, the merchant
approves, the buyer sees the refund; in zh and en."""

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


async def live_show(server: Server) -> tuple[Account, Account, int]:
    """A merchant's live show with one shelf product, and a buyer with two addresses."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        shop = await signup(api, "teashop", "merchant")
        host = await signup(api, "anchor", "host")
        pid = (await product(api, shop, "Longjing tea", stock=10))["id"]
        rid = (await room(api, shop, host, [pid]))["id"]
        assert (await api.post(f"/api/rooms/{rid}/start", headers=host.headers)).is_success
        bob = await signup(api, "bob")
        await address(api, bob)
        await address(api, bob, detail="9 Office Park", is_default=False)
    return shop, bob, rid


async def buy_and_pay_in_the_room(page: Page, room_id: int, lang: str) -> None:
    """Two units from the shelf's buy sheet, shipped to the address picked there."""
    await page.goto(f"/rooms/{room_id}")
    await page.get_by_test_id("shelf-btn").click()
    await page.get_by_test_id("shelf-buy").first.click()
    sheet = page.get_by_test_id("buy-sheet")
    await expect(sheet).to_contain_text("Longjing tea")
    await sheet.locator('button[aria-label="+"]').click()
    await expect(sheet.get_by_test_id("buy-quantity")).to_have_text("2")
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-pay")).to_be_visible()
    await expect(sheet.get_by_test_id("address-chosen")).to_contain_text("1 Nanjing Rd")
    await sheet.get_by_test_id("address-change").click()
    await sheet.get_by_test_id("address-option").filter(has_text="Office Park").click()
    await expect(sheet.get_by_test_id("address-chosen")).to_contain_text("9 Office Park")
    await shot(page, f"orders-buy-sheet-{lang}", full_page=False)
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text(text("buy.paid", lang))


async def as_user(
    browser: Browser, server: Server, who: Account, lang: str
) -> tuple[BrowserContext, Page]:
    context, page = await new_page(browser, server, lang=lang)
    token = who.headers["Authorization"].removeprefix("Bearer ")
    await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server.url}])
    return context, page


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_ship_receive_return_refund(browser: Browser, server: Server, lang: str) -> None:
    """Buy and pay in the live room's buy sheet (picking the address), then the whole
    after-payment path through the console and the orders page, with its timeline."""
    shop, bob, room_id = await live_show(server)
    merchant_ctx, console = await as_user(browser, server, shop, lang)
    buyer_ctx, orders = await as_user(browser, server, bob, lang)
    await buy_and_pay_in_the_room(orders, room_id, lang)

    await console.goto("/console")
    row = console.get_by_test_id("order-row")
    await row.get_by_test_id("ship-carrier").fill("SF Express")
    await row.get_by_test_id("ship-tracking").fill("SF1234567")
    await row.get_by_test_id("order-ship").click()
    await expect(row.get_by_test_id("order-row-status")).to_have_text(
        text("orders.status_shipped", lang)
    )

    await expect(row).to_contain_text("9 Office Park")

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


@pytest.mark.parametrize("lang", ["zh"])
async def test_the_merchant_cancels_a_paid_order(
    browser: Browser, server: Server, lang: str
) -> None:
    """Bought and paid in the room; the console's cancel with a reason refunds it whole,
    and the buyer's orders page says refunded, and that the shop cancelled it (zh, en)."""
    shop, bob, room_id = await live_show(server)
    merchant_ctx, console = await as_user(browser, server, shop, lang)
    buyer_ctx, orders = await as_user(browser, server, bob, lang)
    await buy_and_pay_in_the_room(orders, room_id, lang)
    await console.goto("/console")
    row = console.get_by_test_id("order-row")
    await row.get_by_test_id("cancel-reason").fill("缺货")
    await shot(console, f"orders-console-cancel-{lang}")
    await row.get_by_test_id("order-cancel").click()
    await expect(row.get_by_test_id("order-row-status")).to_have_text(
        text("orders.status_refunded", lang)
    )
    await orders.goto("/orders")
    card = orders.get_by_test_id("order-card")
    await expect(card.get_by_test_id("order-status")).to_have_text(
        text("orders.status_refunded", lang)
    )
    await expect(card.get_by_test_id("order-refunded")).to_be_visible()
    # The timeline says the shop cancelled it, with the shop's reason: no return was asked.
    steps = card.get_by_test_id("order-timeline")
    for language in ("zh", "en"):
        await buyer_ctx.add_cookies([{"name": "lc_lang", "value": language, "url": server.url}])
        await orders.reload()
        refunding = steps.locator('li[data-step="refunding"]')
        said = text("oc.step_refunding_merchant_cancelled", language)
        await expect(refunding).to_contain_text(f"{said} · 缺货")
        await expect(steps.locator('li[data-step="refunded"]')).to_contain_text(
            text("oc.step_refunded", language)
        )
        await expect(steps).not_to_contain_text(text("oc.step_refunding", language))
        await expect(steps).not_to_contain_text("cancelled:")
    await merchant_ctx.close()
    await buyer_ctx.close()


async def test_my_orders_shows_a_refund_settled_elsewhere(browser: Browser, server: Server) -> None:
    """The buyer keeps "My orders" open; the shop cancels the paid order from elsewhere and
    the refund settles: the card reads Refunded without a reload."""
    shop, bob, room_id = await live_show(server)
    context, page = await as_user(browser, server, bob, "en")
    await buy_and_pay_in_the_room(page, room_id, "en")
    await page.goto("/orders")
    card = page.get_by_test_id("order-card")
    await expect(card.get_by_test_id("order-status")).to_have_text("Paid")
    await page.evaluate("window.__notReloaded = true")
    order_id = await card.get_attribute("data-order-id")
    async with httpx.AsyncClient(base_url=server.url) as api:
        path = f"/api/merchant/orders/{order_id}/cancel"
        cancelled = await api.post(path, json={"reason": "out of stock"}, headers=shop.headers)
        assert cancelled.is_success, cancelled.text
    await expect(card.get_by_test_id("order-status")).to_have_text("Refunded", timeout=25_000)
    await expect(card.locator('li[data-step="refunded"]')).to_contain_text("Refunded")
    assert await page.evaluate("window.__notReloaded === true")
    await context.close()
