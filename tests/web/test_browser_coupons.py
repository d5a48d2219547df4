"""Coupons in real Chromium: the host drops a coupon from the studio, a viewer claims it
from the card on the stage and buys with it, at the price the server charges."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot, shot_path
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def _token(api: httpx.AsyncClient, handle: str) -> dict[str, str]:
    answer = await api.post("/api/auth/login", json={"handle": handle, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def test_drop_claim_and_checkout(browser: Browser, server: Server) -> None:
    """Drop, claim with one tap ("N left" moves), and the order costs 89.90 - 10.00."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        merchant = await _token(api, "teashop")
        body = {"title": "¥10 off", "kind": "fixed", "amount_off_cents": 1000,
                "total_quantity": 5, "min_spend_cents": 5000}  # fmt: skip
        made = await api.post("/api/coupons/templates", json=body, headers=merchant)
        assert made.status_code == 201, made.text
        await api_signup(api, "mei", "viewer", "Mei 小美")

    host_context, studio = await new_page(browser, server)
    await login(studio, "anchor", f"/studio/{room_id}")
    templates = studio.get_by_test_id("coupon-template")
    await expect(templates).to_have_count(1)
    viewer_context, room = await new_page(browser, server, phone=True)
    await login(room, "mei", f"/rooms/{room_id}")
    await expect(room.get_by_test_id("room-status")).to_have_text("LIVE")
    await expect(room.get_by_test_id("coupon-card")).to_have_count(0)

    await templates.get_by_test_id("coupon-drop").click()
    card = room.get_by_test_id("coupon-card")
    await expect(card).to_contain_text("¥10 off")
    await expect(card.get_by_test_id("coupon-left")).to_have_text("5 left")
    await shot(room, "coupon-card-phone", full_page=False)
    await card.get_by_test_id("coupon-claim").click()
    await expect(card.get_by_test_id("coupon-claim")).to_have_text("Claimed")
    await expect(card.get_by_test_id("coupon-left")).to_have_text("4 left")
    studio_left = studio.get_by_test_id("coupon-drop-left")
    await expect(studio_left).to_contain_text("4 left", timeout=10_000)
    await shot(studio, "coupon-studio", full_page=False)

    await room.get_by_test_id("shelf-btn").click()
    await room.get_by_test_id("shelf-buy").first.click()
    sheet = room.get_by_test_id("buy-sheet")
    await expect(sheet).to_contain_text("Longjing green tea")
    await expect(sheet.get_by_test_id("buy-discount")).to_have_text("You save ¥10")
    await expect(sheet.get_by_test_id("buy-total")).to_have_text("¥79.90")
    await shot(room, "coupon-buy-sheet", full_page=False)
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Ordered")
    await shot(room, "coupon-ordered", full_page=False)

    async with httpx.AsyncClient(base_url=server.url) as api:
        orders = (await api.get("/api/orders", headers=await _token(api, "mei"))).json()["orders"]
    assert [(o["total_cents"], o["discount_cents"]) for o in orders] == [(7990, 1000)]

    console_context, console = await new_page(browser, server)
    await login(console, "teashop", "/console")
    coupons = console.get_by_test_id("console-coupons")
    await coupons.scroll_into_view_if_needed()
    await expect(coupons.get_by_test_id("console-template")).to_have_count(1)
    await expect(console.get_by_test_id("coupon-report")).to_contain_text("mei")
    await expect(console.get_by_test_id("coupon-report")).to_contain_text("Used")
    await expect(console.get_by_test_id("coupon-report")).to_contain_text("¥10")
    await coupons.screenshot(path=str(await shot_path("coupon-console")))
    await console_context.close()
    await viewer_context.close()
    await host_context.close()
