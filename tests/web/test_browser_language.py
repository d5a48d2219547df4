"""Chinese and English: the browser's language is the default, the toggle's choice sticks."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def test_chinese_browser_then_toggle(browser: Browser, server: Server) -> None:
    """A Chinese browser gets Chinese pages; the toggle switches to English and is remembered."""
    show = await make_show(server, live=True)
    context, page = await new_page(browser, server, lang="zh")
    await page.goto("/")
    await expect(page.get_by_test_id("live-now")).to_contain_text("正在直播")
    await shot(page, "home-zh")
    await page.goto(f"/rooms/{show.room['id']}")
    await expect(page.get_by_test_id("pinned-card")).to_contain_text("讲解中")
    await page.get_by_test_id("shelf-btn").click()
    await shot(page, "room-zh", full_page=False)
    await page.keyboard.press("Escape")

    await page.locator("[data-lang-toggle]").click()
    await expect(page.get_by_test_id("pinned-card")).to_contain_text("Now explaining")
    await page.goto("/")
    await expect(page.get_by_test_id("live-now")).to_contain_text("Live now")
    assert await page.evaluate("localStorage.getItem('lc.lang')") == "en"
    await context.close()
