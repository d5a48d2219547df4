"""Errors in the browser: pages say what went wrong in the visitor's language, from the
error's code, never with the server's English message."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.async_api import Browser, expect

from livecommerce.paths import web_dir
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
TEXTS = json.loads((web_dir() / "static" / "i18n" / "messages.json").read_text(encoding="utf-8"))


async def test_missing_room_page(browser: Browser, server: Server) -> None:
    """An unknown room shows the 404 page with the not_found text and a way home."""
    context, page = await new_page(browser, server, phone=True)
    response = await page.goto("/rooms/424242")
    assert response is not None and response.status == 404
    message = page.get_by_test_id("error-message")
    await expect(message).to_have_text(TEXTS["error.not_found"]["en"])
    await shot(page, "error-404")
    await page.get_by_role("link").click()
    await expect(page.get_by_test_id("live-now")).to_be_visible()
    await context.close()


async def test_missing_room_page_in_chinese(browser: Browser, server: Server) -> None:
    """A Chinese browser gets the whole 404 page in Chinese."""
    context, page = await new_page(browser, server, phone=True, lang="zh")
    await page.goto("/rooms/424242")
    await expect(page.get_by_test_id("error-message")).to_have_text(TEXTS["error.not_found"]["zh"])
    await expect(page.locator("h1")).to_have_text(TEXTS["error.title"]["zh"])
    await expect(page.get_by_role("link")).to_have_text(TEXTS["error.back_home"]["zh"])
    await shot(page, "error-404-zh")
    await context.close()


async def buy_the_limit(server: Server, room_id: int, product_id: int) -> str:
    """A live deal of one per buyer that mei has bought already; the refusal's message."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        credentials = {"handle": "teashop", "password": PASSWORD}
        merchant = await api.post("/api/auth/login", json=credentials)
        deal = {"product_id": product_id, "price_cents": 5990, "quantity": 20,
                "per_user_limit": 1, "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        owner = {"Authorization": f"Bearer {merchant.json()['token']}"}
        made = await api.post(f"/api/rooms/{room_id}/sales", json=deal, headers=owner)
        assert made.status_code == 201, made.text
        buyer = {"Authorization": f"Bearer {await api_signup(api, 'mei', 'viewer', 'Mei')}"}
        path = f"/api/sales/{made.json()['id']}/orders"
        one = {"quantity": 1}
        first = await api.post(path, json=one, headers={**buyer, "Idempotency-Key": "a"})
        assert first.status_code == 201, first.text
        again = await api.post(path, json=one, headers={**buyer, "Idempotency-Key": "b"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "limit_exceeded"
        message: str = again.json()["error"]["message"]
        return message


async def test_a_refused_purchase_is_told_in_chinese(browser: Browser, server: Server) -> None:
    """Buying past the per-buyer limit from the buy sheet shows limit_exceeded's Chinese
    text, not the server's English message."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    english = await buy_the_limit(server, room_id, show.room_products[0])
    context, room = await new_page(browser, server, phone=True, lang="zh")
    await login(room, "mei", f"/rooms/{room_id}")
    await room.get_by_test_id("sale-banner").click()
    sheet = room.get_by_test_id("buy-sheet")
    await sheet.get_by_test_id("buy-confirm").click()
    result = sheet.get_by_test_id("buy-result")
    await expect(result).to_have_text(TEXTS["error.limit_exceeded"]["zh"])
    assert english not in await result.inner_text()
    await shot(room, "error-buy-limit-zh", full_page=False)
    await context.close()


async def test_a_refused_chat_message_is_told_in_chinese(browser: Browser, server: Server) -> None:
    """The socket's error event (chat past its rate) is toasted in rate_limited's Chinese."""
    show = await make_show(server, live=True)
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei 小美")
    context, room = await new_page(browser, server, lang="zh")
    await login(room, "mei", f"/rooms/{show.room['id']}")
    chat = room.locator("#chat-form input")
    toast = room.locator("#toast")
    for number in range(8):
        await chat.fill(f"好物 {number}")
        await chat.press("Enter")
    await expect(toast).to_have_text(TEXTS["error.rate_limited"]["zh"])
    await shot(room, "error-chat-rate-zh", full_page=False)
    await context.close()
