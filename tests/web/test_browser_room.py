"""The viewer room and the host studio in a real Chromium, desktop and phone sized."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
PASSWORD = "correct horse"
# Elements wider than the viewport: what makes a phone page scroll sideways.
WIDEST = """[...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > 391)
  .map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 5)"""


@dataclass
class Show:
    room: dict[str, Any]
    host_token: str
    room_products: list[int]


async def api_signup(api: httpx.AsyncClient, handle: str, role: str, name: str) -> str:
    payload = {"handle": handle, "password": PASSWORD, "display_name": name, "role": role}
    response = await api.post("/api/auth/signup", json=payload)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


PRODUCTS = (("Longjing green tea 250g", 8990), ("Celadon tea cup, hand made", 3900))
SHOW = {"title": "Spring tea tasting 春茶品鉴", "host": "anchor",
        "scheduled_at": "2030-01-01T12:00:00Z"}  # fmt: skip


async def make_show(server: Server, *, live: bool) -> Show:
    """A merchant's show with two products on the shelf, the first pinned."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        merchant_token = await api_signup(api, "teashop", "merchant", "Tea")
        merchant = {"Authorization": f"Bearer {merchant_token}"}
        host_token = await api_signup(api, "anchor", "host", "Anchor Lin")
        host = {"Authorization": f"Bearer {host_token}"}
        ids = []
        for title, price in PRODUCTS:
            body = {"title": title, "price_cents": price, "stock": 50}
            ids.append((await api.post("/api/products", headers=merchant, json=body)).json()["id"])
        made = await api.post("/api/rooms", headers=merchant, json={**SHOW, "product_ids": ids})
        room = made.json()
        if live:
            assert (await api.post(f"/api/rooms/{room['id']}/start", headers=host)).is_success
        pin = {"product_id": ids[0]}
        pinned = await api.put(f"/api/rooms/{room['id']}/pin", headers=host, json=pin)
        assert pinned.is_success, pinned.text
    return Show(room, host_token, ids)


async def login(page: Page, handle: str, next_path: str) -> None:
    await page.goto(f"/login?next={next_path}")
    form = page.get_by_test_id("login-form")
    await form.locator('input[name="handle"]').fill(handle)
    await form.locator('input[name="password"]').fill(PASSWORD)
    await form.locator('button[type="submit"]').click()
    await page.wait_for_url(f"**{next_path}")


async def test_viewer_room_desktop(browser: Browser, server: Server) -> None:
    """The room shows the pinned card, and the shelf drawer's buy sheet asks a visitor to log in."""
    show = await make_show(server, live=True)
    context, page = await new_page(browser, server)
    await page.goto(f"/rooms/{show.room['id']}")
    await expect(page.get_by_test_id("room-status")).to_have_text("LIVE")
    await expect(page.get_by_test_id("pinned-card")).to_contain_text("Longjing green tea")
    await shot(page, "room-desktop", full_page=False)
    await page.get_by_test_id("shelf-btn").click()
    await expect(page.get_by_test_id("shelf-item")).to_have_count(2)
    await shot(page, "room-shelf", full_page=False)
    await page.get_by_test_id("shelf-buy").nth(1).click()
    await expect(page.get_by_test_id("buy-sheet")).to_contain_text("Celadon tea cup")
    await expect(page.get_by_test_id("buy-sheet")).to_contain_text("Log in to buy")
    await context.close()


async def test_viewer_room_phone(browser: Browser, server: Server) -> None:
    """On a phone the stage fills the screen; a visitor's like asks them to log in."""
    show = await make_show(server, live=False)
    context, page = await new_page(browser, server, phone=True)
    await page.goto(f"/rooms/{show.room['id']}")
    await expect(page.get_by_test_id("room-status")).to_have_text("Upcoming")
    await expect(page.locator("#stage-countdown")).to_be_visible()
    # A visitor's likes count nowhere: the page asks them to log in instead.
    await page.get_by_test_id("like-btn").click()
    await expect(page.get_by_test_id("like-login")).to_be_visible()
    await expect(page.get_by_test_id("like-count")).to_have_text("0")
    box = await page.locator(".stage").bounding_box()
    assert box is not None and box["width"] == 390
    await shot(page, "room-phone", full_page=False)
    await context.close()


async def test_studio_pin_and_end(browser: Browser, server: Server) -> None:
    """The host pins another product and ends the show from the studio."""
    show = await make_show(server, live=True)
    context, page = await new_page(browser, server)
    await login(page, "anchor", f"/studio/{show.room['id']}")
    shelf = page.get_by_test_id("studio-shelf")
    await expect(shelf.get_by_test_id("shelf-item")).to_have_count(2)
    await shelf.get_by_test_id("pin-btn").nth(1).click()
    await expect(page.get_by_test_id("pinned-card")).to_contain_text("Celadon tea cup")
    await shot(page, "studio", full_page=False)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("end-btn").click()
    await expect(page.get_by_test_id("room-status")).to_have_text("Ended")
    async with httpx.AsyncClient(base_url=server.url) as api:
        detail = (await api.get(f"/api/rooms/{show.room['id']}")).json()
    assert detail["status"] == "ended"
    await context.close()


async def test_phone_pages_fit(browser: Browser, server: Server) -> None:
    """Home, signup and console fit a phone screen without sideways scrolling."""
    await make_show(server, live=True)
    context, page = await new_page(browser, server, phone=True)
    for path, name in (("/", "home-phone"), ("/signup", "signup-phone")):
        await page.goto(path)
        assert await page.evaluate(WIDEST) == [], path
        await shot(page, name)
    await login(page, "teashop", "/console")
    await expect(page.get_by_test_id("product-item")).to_have_count(2)
    await shot(page, "console-phone")
    wide = await page.evaluate(WIDEST)
    assert wide == [], wide
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await context.close()


async def test_studio_goes_live_with_camera(browser: Browser, server: Server) -> None:
    """From a scheduled show the host starts the (fake) camera and goes live from the studio."""
    show = await make_show(server, live=False)
    context, page = await new_page(browser, server)
    await login(page, "anchor", f"/studio/{show.room['id']}")
    await expect(page.get_by_test_id("room-status")).to_have_text("Upcoming")
    await page.locator("#camera-btn").click()
    await expect(page.locator("#video.playing")).to_be_visible()
    await page.get_by_test_id("golive-btn").click()
    await expect(page.get_by_test_id("room-status")).to_have_text("LIVE")
    await expect(page.get_by_test_id("studio-message")).to_have_text("You are live")
    await expect(page.get_by_test_id("golive-btn")).to_be_hidden()
    await context.close()
