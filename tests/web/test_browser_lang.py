"""The Chinese UI says server refusals in Chinese, from their codes, with times written
for the reader (Intl.DateTimeFormat), never the server's English or a raw ISO time."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import websockets
from playwright.async_api import Browser, Page, expect

from livecommerce.paths import web_dir
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
TEXTS = json.loads((web_dir() / "static" / "i18n" / "messages.json").read_text(encoding="utf-8"))
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


async def _chat(page: Page, body: str) -> None:
    chat = page.locator("#chat-form input")
    await chat.fill(body)
    await chat.press("Enter")


async def _viewer_in_room(browser: Browser, server: Server, room_id: int) -> Page:
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei 小美")
    _, page = await new_page(browser, server, lang="zh")
    await login(page, "mei", f"/rooms/{room_id}")
    await expect(page.locator("#chat-form input")).to_be_enabled()
    return page


async def test_wrong_password_in_chinese(browser: Browser, server: Server) -> None:
    """Logging in with a wrong password shows bad_credentials' Chinese text."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei")
    context, page = await new_page(browser, server, lang="zh")
    await page.goto("/login")
    form = page.get_by_test_id("login-form")
    await form.locator('input[name="handle"]').fill("mei")
    await form.locator('input[name="password"]').fill(PASSWORD + "x")
    await form.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("form-error")).to_have_text(
        TEXTS["error.bad_credentials"]["zh"]
    )
    await shot(page, "lang-wrong-password-zh", full_page=False)
    await context.close()


async def test_mute_notice_in_chinese_with_a_local_time(browser: Browser, server: Server) -> None:
    """A muted viewer's chat is refused with the muted text and the end of the mute as a
    Chinese date and time to the minute (not the server's ISO time with microseconds)."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    page = await _viewer_in_room(browser, server, room_id)
    socket = f"{server.url.replace('http', 'ws')}/ws/rooms/{room_id}?token={show.host_token}"
    async with websockets.connect(socket) as host:
        mute = {"type": "moderation.mute", "ref": 1, "data": {"user": "mei", "seconds": 3600}}
        await host.send(json.dumps(mute))
        while '"ack"' not in str(await host.recv()):
            pass
    await _chat(page, "我还能说话吗")
    toast = page.locator("#toast")
    await expect(toast).to_contain_text("你已被禁言")
    text = await toast.inner_text()
    # zh-CN with month, day, hour and minute: "12月1日 13:45".
    assert re.search(r"\d{1,2}月\d{1,2}日 \d\d:\d\d", text), text
    assert not ISO_TIME.search(text) and "until" not in text
    await shot(page, "lang-muted-zh", full_page=False)
    await page.context.close()


async def test_chat_in_an_ended_room_in_chinese(browser: Browser, server: Server) -> None:
    """When the host ends the show, an open page closes its chat in Chinese (chat sent
    anyway is refused with ``room_ended``: tests/rooms/test_chat.py)."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    page = await _viewer_in_room(browser, server, room_id)
    async with httpx.AsyncClient(base_url=server.url) as api:
        host = {"Authorization": f"Bearer {show.host_token}"}
        assert (await api.post(f"/api/rooms/{room_id}/end", headers=host)).is_success
    await expect(page.locator("#stage-status-text")).to_have_text(TEXTS["room.ended_text"]["zh"])
    # The page closes its chat box when the show ends, saying why in the reader's language.
    await expect(page.get_by_test_id("chat-closed")).to_have_text(TEXTS["viewer.chat_ended"]["zh"])
    await expect(page.locator("#chat-form input")).to_have_count(0)
    await shot(page, "lang-room-ended-zh", full_page=False)
    await page.context.close()


async def test_console_validation_in_one_language(browser: Browser, server: Server) -> None:
    """An empty product title is reported in Chinese only, not "required / 必填"."""
    context, page = await new_page(browser, server, lang="zh")
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "teashop", "merchant", "Tea")
    await login(page, "teashop", "/console")
    await page.get_by_test_id("product-form").locator('button[type="submit"]').click()
    message = page.get_by_test_id("product-message")
    field = TEXTS["console.title_field"]["zh"]
    await expect(message).to_have_text(TEXTS["lang.required"]["zh"].format(field=field))
    await shot(page, "lang-console-required-zh", full_page=False)
    await context.close()
