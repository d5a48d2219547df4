"""Gifts in a real Chromium: a viewer tops up and sends a gift; the sender, another
viewer's page and the host's studio all show it on the gift lane."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import api_signup, login, make_show
from tests.web.test_browser_viewer import bearer, viewer_login

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def test_a_gift_is_seen_by_the_sender_the_room_and_the_host(
    browser: Browser, server: Server
) -> None:
    """Top up, send a rose: the sender's lane says "You sent", the others name the sender."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        gift = {"name": "Rose 玫瑰", "image_url": "", "price_cents": 100}
        made = await api.post("/api/gifts", json=gift, headers=await bearer(api, "teashop"))
        assert made.status_code == 201, made.text
    studio_context, studio = await new_page(browser, server)
    await login(studio, "anchor", f"/studio/{room_id}")
    other_context, other = await new_page(browser, server)
    await other.goto(f"/rooms/{room_id}")
    context, page = await viewer_login(browser, server, room_id, "lily")
    await page.get_by_test_id("gift-btn").click()
    await expect(page.get_by_test_id("gift-item")).to_have_count(1)
    await page.get_by_test_id("gift-top-up").click()
    await expect(page.get_by_test_id("gift-balance")).to_contain_text("¥10")
    await page.get_by_test_id("gift-item").click()
    lane = page.get_by_test_id("gift-lane")
    await expect(lane).to_contain_text("You sent Rose 玫瑰 ×1")
    await expect(page.get_by_test_id("gift-balance")).to_contain_text("¥9")
    await shot(page, "gift-sender", full_page=False)
    for watcher, name in ((other, "gift-other-viewer"), (studio, "gift-host-studio")):
        banner = watcher.get_by_test_id("gift-lane")
        await expect(banner).to_contain_text("Lily 小美 sent Rose 玫瑰 ×1")
        await shot(watcher, name, full_page=False)
    # The sender's own send shows once: its echo from the socket is skipped.
    await expect(lane.get_by_test_id("gift-banner")).to_have_count(1)
    for ctx in (context, other_context, studio_context):
        await ctx.close()


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Some values are not valid"), ("zh", "填写的内容有误")],
)
async def test_a_refused_gift_says_why_in_the_console(
    browser: Browser, server: Server, lang: str, said: str
) -> None:
    """A gift priced at nothing is refused: the form says so in the merchant's language."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "teashop", "merchant", "Tea")
    context, page = await new_page(browser, server, lang=lang)
    await login(page, "teashop", "/console")
    form = page.get_by_test_id("gift-form")
    await form.locator('input[name="name"]').fill("Rose 玫瑰")
    await form.locator('input[name="price"]').fill("0")
    await form.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("gift-message")).to_contain_text(said)
    await expect(page.get_by_test_id("gift-row")).to_have_count(0)
    await shot(page, f"gift-refused-{lang}", full_page=False)
    await context.close()
