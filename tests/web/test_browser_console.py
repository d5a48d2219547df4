"""A merchant runs the console in a real Chromium; the show appears on the home page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot, shot_path, slowly

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def make_host(server: Server, handle: str = "anchor") -> None:
    payload = {"handle": handle, "password": "correct horse", "display_name": "Anchor Lin",
               "role": "host"}  # fmt: skip
    async with httpx.AsyncClient(base_url=server.url) as api:
        response = await api.post("/api/auth/signup", json=payload)
    assert response.status_code == 201, response.text


async def signup_merchant(page: Page) -> None:
    await page.goto("/signup")
    await page.locator("label.role-option", has_text="Merchant").click()
    form = page.get_by_test_id("signup-form")
    await form.locator('input[name="handle"]').fill("teashop")
    await form.locator('input[name="display_name"]').fill("West Lake Tea")
    await form.locator('input[name="password"]').fill("correct horse")
    await shot(page, "signup")
    await form.locator('button[type="submit"]').click()
    await expect(page).to_have_url(re.compile(r"/console$"))


async def create_product(page: Page, title: str, price: str, stock: str) -> None:
    form = page.get_by_test_id("product-form")
    await form.locator('input[name="title"]').fill(title)
    await form.locator('input[name="price"]').fill(price)
    await form.locator('input[name="stock"]').fill(stock)
    await form.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("product-list")).to_contain_text(title)


async def test_merchant_console_to_home(browser: Browser, server: Server) -> None:
    """Sign up as a merchant, add products, schedule a show: it is listed on the home page."""
    await make_host(server)
    context, page = await new_page(browser, server)
    await signup_merchant(page)

    await page.get_by_test_id("product-form").locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("product-message")).to_contain_text("required")
    await create_product(page, "Longjing green tea 250g", "89.90", "500")
    await create_product(page, "Celadon tea cup", "39", "120")

    rooms = page.get_by_test_id("room-form")
    await rooms.locator('input[name="title"]').fill("Spring tea tasting")
    await rooms.locator('input[name="host"]').fill("nobody_here")
    await rooms.get_by_label("Longjing green tea 250g").check()
    await rooms.locator('button[type="submit"]').click()
    # error.not_found's English text, not the server's "host ... not found"
    await expect(page.get_by_test_id("room-message")).to_contain_text("Not found.")
    await rooms.locator('input[name="host"]').fill("anchor")
    await rooms.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("room-list")).to_contain_text("Spring tea tasting")
    await shot(page, "console")

    await page.goto("/")
    card = page.get_by_test_id("upcoming").get_by_test_id("room-card")
    await expect(card).to_contain_text("Spring tea tasting")
    await expect(card.locator(".countdown-value")).to_have_text(re.compile(r"^\d"))
    await shot(page, "home")
    await context.close()


async def test_product_edit_and_delete(browser: Browser, server: Server) -> None:
    """A product can be edited and deleted from the console."""
    context, page = await new_page(browser, server)
    await signup_merchant(page)
    await create_product(page, "Oolong", "10", "5")
    item = page.get_by_test_id("product-item").filter(has_text="Oolong")
    await item.get_by_role("button", name="Edit").click()
    await page.get_by_test_id("product-form").locator('input[name="title"]').fill("Oolong premium")
    await page.get_by_test_id("product-form").locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("product-list")).to_contain_text("Oolong premium")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("product-item").get_by_role("button", name="Delete").click()
    await expect(page.get_by_test_id("product-item")).to_have_count(0)
    await context.close()


async def test_console_schedules_a_deal(browser: Browser, server: Server) -> None:
    """A flash deal scheduled in the console is listed under its show and can be cancelled."""
    await make_host(server)
    context, page = await new_page(browser, server)
    await signup_merchant(page)
    await create_product(page, "Longjing green tea 250g", "89.90", "500")
    rooms = page.get_by_test_id("room-form")
    await rooms.locator('input[name="title"]').fill("Spring tea tasting")
    await rooms.locator('input[name="host"]').fill("anchor")
    await rooms.get_by_label("Longjing green tea 250g").check()
    # A slow read of the new show's shelf: a deal sent before it lands is held, not refused.
    await page.route(re.compile(r"/api/rooms/\d+$"), slowly)
    await rooms.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("room-list")).to_contain_text("Spring tea tasting")

    deal = page.get_by_test_id("deal-form")
    await deal.locator('select[name="room_id"]').select_option(label="Spring tea tasting")
    await deal.locator('input[name="price"]').fill("59.90")
    await deal.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("deal-message")).to_contain_text("Quantity")
    await deal.locator('input[name="quantity"]').fill("20")
    await deal.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("deal-message")).to_contain_text("scheduled")
    row = page.get_by_test_id("deal-row")
    await expect(row).to_contain_text("¥59.90")
    await expect(row).to_contain_text("Scheduled")
    await expect(row.get_by_test_id("deal-timer")).to_have_text(re.compile(r"\d\d:\d\d"))
    await page.locator("#deals").screenshot(path=str(await shot_path("console-deals")))
    await row.get_by_role("button", name="Cancel").click()
    await expect(row).to_contain_text("Cancelled")
    await _buy_from_shelf(server, "Spring tea tasting")
    await page.reload()
    await expect(page.get_by_test_id("order-row")).to_contain_text("shelf_buyer")
    await context.close()


async def _buy_from_shelf(server: Server, room_title: str) -> None:
    """A buyer orders the show's first shelf product through the API."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        rooms = (await api.get("/api/rooms", params={"status": "scheduled"})).json()["rooms"]
        rid = next(r["id"] for r in rooms if r["title"] == room_title)
        pid = (await api.get(f"/api/rooms/{rid}")).json()["shelf"][0]["id"]
        signup = await api.post(
            "/api/auth/signup",
            json={"handle": "shelf_buyer", "password": "correct horse", "display_name": "Buyer"},
        )
        headers = {"Authorization": f"Bearer {signup.json()['token']}", "Idempotency-Key": "k"}
        api.cookies.clear()
        bought = await api.post(
            f"/api/rooms/{rid}/products/{pid}/orders", json={"quantity": 2}, headers=headers
        )
        assert bought.status_code == 201, bought.text
