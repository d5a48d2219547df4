"""A live show end to end in real Chromium against a real server: camera video from the
studio to the viewer, chat, moderation, likes, a flash deal bought and paid from the buy
sheet, pinning and ending the show."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
XSS = '<img src=x onerror="window.hacked=1">hello'


async def start_deal(server: Server, room_id: int, product_id: int) -> None:
    async with httpx.AsyncClient(base_url=server.url) as api:
        login_response = await api.post(
            "/api/auth/login", json={"handle": "teashop", "password": PASSWORD}
        )
        token = login_response.json()["token"]
        deal = {"product_id": product_id, "price_cents": 5990, "quantity": 20,
                "per_user_limit": 2, "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        made = await api.post(
            f"/api/rooms/{room_id}/sales", json=deal, headers={"Authorization": f"Bearer {token}"}
        )
        assert made.status_code == 201, made.text
        await api_signup(api, "mei", "viewer", "Mei 小美")


async def test_live_show(browser: Browser, server: Server) -> None:
    """Viewer and host see each other live; the viewer buys the deal and pays."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    first_product = show.room_products[0]
    await start_deal(server, room_id, first_product)

    host_context, studio = await new_page(browser, server)
    await login(studio, "anchor", f"/studio/{room_id}")
    await studio.locator("#camera-btn").click()
    await expect(studio.get_by_test_id("studio-message")).to_have_text("You are live")
    viewer_context, room = await new_page(browser, server, phone=True)
    await login(room, "mei", f"/rooms/{room_id}")
    await expect(room.locator("#video.playing")).to_be_visible(timeout=20_000)

    banner = room.get_by_test_id("sale-banner")
    await expect(banner).to_contain_text("¥59.90")
    await room.locator("#chat-form input").fill(XSS)
    await room.locator("#chat-form input").press("Enter")
    mine = room.get_by_test_id("chat-message").filter(has_text="hello")
    await expect(mine).to_contain_text("<img src=x")
    assert await room.locator("#chat-list img").count() == 0
    assert await room.evaluate("window.hacked") is None

    studio_message = studio.get_by_test_id("chat-message").filter(has_text="hello")
    await expect(studio_message).to_contain_text("Mei 小美")
    for _ in range(3):
        await room.get_by_test_id("like-btn").click()
    await expect(studio.locator("#num-likes")).to_have_text("3", timeout=10_000)
    await shot(room, "live-room-phone", full_page=False)
    visitor_context, visitor = await new_page(browser, server)  # not logged in, desktop
    await visitor.goto(f"/rooms/{room_id}")
    await expect(visitor.get_by_test_id("chat-message").filter(has_text="hello")).to_have_count(1)
    await expect(visitor.locator("#video.playing")).to_be_visible(timeout=20_000)
    await shot(visitor, "live-room-desktop", full_page=False)
    await visitor_context.close()
    await shot(studio, "live-studio", full_page=False)
    # The host appoints the viewer from her message; the open room is told, no reload.
    appoint = studio_message.get_by_test_id("moderator-btn")
    await appoint.click()
    await expect(room.locator("#chat-list")).to_contain_text("Mei 小美 is now a moderator")
    await expect(appoint).to_have_text("Remove moderator")
    await shot(studio, "live-studio-moderator", full_page=False)
    await appoint.click()
    await expect(room.locator("#chat-list")).to_contain_text("Mei 小美 is no longer a moderator")
    await expect(appoint).to_have_text("Make moderator")
    await studio_message.get_by_role("button", name="Delete").click()
    await expect(mine).to_have_count(0)

    await banner.click()
    sheet = room.get_by_test_id("buy-sheet")
    await expect(sheet).to_contain_text("Longjing green tea")
    await expect(sheet).not_to_contain_text("null")
    await shot(room, "live-buy-sheet", full_page=False)
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Ordered!")
    # A first purchase: the sheet asks where to ship before paying.
    fields = {"name": "Mei", "phone": "13812345678", "region": "Shanghai", "detail": "1 Rd"}
    for name, value in fields.items():
        await sheet.get_by_test_id(f"address-{name}").fill(value)
    await sheet.get_by_test_id("address-save").click()
    await expect(sheet.get_by_test_id("address-chosen")).to_contain_text("1 Rd")
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Paid")
    await room.keyboard.press("Escape")
    orders_page = await viewer_context.new_page()
    await orders_page.goto("/orders")
    await expect(orders_page.get_by_test_id("order-card")).to_contain_text("Longjing green tea")
    await expect(orders_page.get_by_test_id("order-status")).to_have_text("Paid")
    await shot(orders_page, "orders-phone")
    await orders_page.close()

    await studio.get_by_test_id("studio-shelf").get_by_test_id("pin-btn").nth(1).click()
    await expect(room.get_by_test_id("pinned-card")).to_contain_text("Celadon tea cup")
    studio.once("dialog", lambda dialog: dialog.accept())
    await studio.get_by_test_id("end-btn").click()
    await expect(room.get_by_test_id("room-status")).to_have_text("Ended")
    await host_context.close()
    await viewer_context.close()
