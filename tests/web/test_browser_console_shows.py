"""The console of #15 in a real Chromium: the deal form offers the show's shelf only,
a product on an open shelf is not deleted, a show is edited (shelf seen live by viewers,
cover uploaded), and the phone layout (nav, home cards, order rows)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_console_shows_deals_and_shelf(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    """Deal form = the show's shelf; delete refused while on a shelf; edit the shelf and the
    open viewer room follows; a cover is uploaded and shown."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = (
            await api.post("/api/auth/login", json={"handle": "teashop", "password": PASSWORD})
        ).json()["token"]
        shop = {"Authorization": f"Bearer {token}"}
        shelf = {"product_ids": [show.room_products[1]]}
        assert (await api.put(f"/api/rooms/{room_id}/shelf", json=shelf, headers=shop)).is_success
    viewer_context, room = await new_page(browser, server, phone=True)
    await room.goto(f"/rooms/{room_id}")
    context, page = await new_page(browser, server)
    await login(page, "teashop", "/console")
    options = page.get_by_test_id("deal-form").locator('select[name="product_id"] option')
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Celadon tea cup")

    page.on("dialog", lambda dialog: dialog.accept())
    cup = page.get_by_test_id("product-item").filter(has_text="Celadon")
    await cup.get_by_role("button", name="Delete").click()
    await expect(page.get_by_test_id("product-message")).to_contain_text("on the shelf of a show")
    await expect(cup).to_have_count(1)

    await page.get_by_test_id("room-row").first.get_by_test_id("room-edit").click()
    form = page.get_by_test_id("room-form")
    await form.locator('input[name="title"]').fill("Spring tea, edited")
    await form.get_by_label("Longjing green tea 250g").check()
    cover = tmp_path / "cover.png"
    cover.write_bytes(PNG)
    await form.get_by_test_id("cover-input").set_input_files(str(cover))
    await form.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("room-message")).to_have_text("Show saved.")
    await expect(page.get_by_test_id("room-list")).to_contain_text("Spring tea, edited")
    await room.get_by_test_id("shelf-btn").click()
    await expect(room.locator("#shelf-drawer, .drawer").first).to_contain_text("Longjing green tea")
    await shot(page, "console-show-edited")
    await shot(room, "room-shelf-changed-phone", full_page=False)
    home_context, home = await new_page(browser, server, phone=True)
    await home.goto("/")
    card = home.get_by_test_id("room-card").first
    await expect(card.locator("img")).to_have_attribute(
        "src", __import__("re").compile(r"^/covers/")
    )
    box = await card.bounding_box()
    assert box is not None and box["width"] > 300, box
    await shot(home, "home-phone")
    for ctx in (home_context, context, viewer_context):
        await ctx.close()


async def test_phone_nav_is_not_clipped(browser: Browser, server: Server) -> None:
    """At 390 px every nav link is whole and inside the screen."""
    await make_show(server, live=False)
    context, page = await new_page(browser, server, phone=True)
    await login(page, "teashop", "/console")
    clipped = await page.evaluate("""[...document.querySelectorAll('.nav .nav-link')]
      .filter((a) => getComputedStyle(a).display !== 'none')
      .filter((a) => a.getBoundingClientRect().right > 390 || a.scrollWidth > a.clientWidth + 1)
      .map((a) => a.textContent)""")
    assert clipped == []
    await shot(page, "console-phone", full_page=False)
    await context.close()
