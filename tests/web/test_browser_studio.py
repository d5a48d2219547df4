"""The host studio of #15 in a real Chromium: taking over a running publish, the ended
state, chat rules and the order counter, what a moderator sees, the phone layout."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from livecommerce.media.client import publish_test_pattern
from tests.servers import Server
from tests.users import ADDRESS
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def test_studio_takes_over_the_test_pattern(browser: Browser, server: Server) -> None:
    """While another publish holds the room the studio shows that programme; starting the
    camera asks, then replaces it."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    pattern = await publish_test_pattern(f"{server.url}/api/rooms/{room_id}/whip", show.host_token)
    try:
        context, studio = await new_page(browser, server)
        await login(studio, "anchor", f"/studio/{room_id}")
        await expect(studio.get_by_test_id("programme-label")).to_be_visible()
        await expect(studio.locator("#video.playing")).to_be_visible(timeout=20_000)
        await shot(studio, "studio-programme", full_page=False)
        asked: list[str] = []

        async def accept(dialog: object) -> None:
            asked.append(dialog.message)  # type: ignore[attr-defined]
            await dialog.accept()  # type: ignore[attr-defined]

        studio.on("dialog", accept)
        await studio.get_by_test_id("camera-btn").click()
        await expect(studio.get_by_test_id("studio-message")).to_have_text("You are live")
        assert asked and "Replace it with your camera" in asked[0]
        await expect(studio.get_by_test_id("programme-label")).to_be_hidden()
        await shot(studio, "studio-takeover", full_page=False)
        await context.close()
    finally:
        await pattern.close()


async def test_end_show_stops_the_camera(browser: Browser, server: Server) -> None:
    """After End show every camera track is stopped and the page shows the ended state,
    with no camera button, deal form or "You are live"."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    for phone in (False, True):
        context, studio = await new_page(browser, server, phone=phone)
        await login(studio, "anchor", f"/studio/{room_id}")
        if not phone:
            await studio.get_by_test_id("camera-btn").click()
            await expect(studio.get_by_test_id("studio-message")).to_have_text("You are live")
            await studio.evaluate(
                "window.cameraTracks = document.getElementById('video').srcObject.getTracks()"
            )
            studio.once("dialog", lambda dialog: dialog.accept())
            await studio.get_by_test_id("end-btn").click()
        await expect(studio.get_by_test_id("studio-ended")).to_be_visible()
        if not phone:
            states = await studio.evaluate("window.cameraTracks.map((t) => t.readyState)")
            assert states and set(states) == {"ended"}
        await expect(studio.get_by_test_id("studio-message")).not_to_have_text("You are live")
        for hidden in ("camera-btn", "end-btn", "golive-btn", "studio-deal-form"):
            await expect(studio.get_by_test_id(hidden)).to_be_hidden()
        await shot(studio, f"studio-ended-{'phone' if phone else 'desktop'}", full_page=False)
        await context.close()


async def test_chat_rules_and_the_order_counter(browser: Browser, server: Server) -> None:
    """Slow mode and blocked words have controls; the order counter is read from the
    server (a reload keeps it, a payment counts); a second deal at once is refused."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        host = {"Authorization": f"Bearer {show.host_token}"}
        deal = {"product_id": show.room_products[0], "price_cents": 500, "quantity": 5,
                "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        sale = (await api.post(f"/api/rooms/{room_id}/sales", json=deal, headers=host)).json()
        buyer = {"Authorization": f"Bearer {await api_signup(api, 'mei', 'viewer', 'Mei')}"}
        await api.post("/api/me/addresses", json=ADDRESS, headers=buyer)
        for _ in range(50):  # the scheduler starts the deal within its tick
            if (await api.get(f"/api/sales/{sale['id']}")).json()["status"] == "live":
                break
        order = await api.post(f"/api/sales/{sale['id']}/orders", json={"quantity": 1},
                               headers={**buyer, "Idempotency-Key": "k1"})  # fmt: skip
        assert order.status_code == 201, order.text
        paid = await api.post(f"/api/orders/{order.json()['id']}/pay", headers=buyer)
        assert paid.is_success, paid.text
    for phone in (False, True):
        context, studio = await new_page(browser, server, phone=phone)
        await login(studio, "anchor", f"/studio/{room_id}")
        await expect(studio.get_by_test_id("num-orders")).to_have_text("1")
        await expect(studio.get_by_test_id("num-paid")).to_have_text("1 paid")
        if not phone:
            await studio.get_by_test_id("slow-mode").select_option("10")
            await expect(studio.get_by_test_id("slow-mode-state")).to_have_text(
                "Slow mode on: one message per 10 s."
            )
            await studio.get_by_test_id("blocked-words").fill("scam, spam")
            await studio.get_by_test_id("blocked-save").click()
            await expect(studio.get_by_test_id("rules-message")).to_have_text("2 blocked words.")
            form = studio.get_by_test_id("studio-deal-form")
            await form.locator('input[name="price"]').fill("9.90")
            await form.locator('input[name="quantity"]').fill("2")
            await form.locator('button[type="submit"]').click()
            await expect(studio.get_by_test_id("studio-deal-message")).to_contain_text(
                "Another flash deal is open"
            )
        await studio.reload()
        await expect(studio.get_by_test_id("num-orders")).to_have_text("1")
        await expect(studio.get_by_test_id("slow-mode")).to_have_value("10")
        await expect(studio.get_by_test_id("blocked-words")).to_have_value("scam, spam")
        await shot(studio, f"studio-rules-{'phone' if phone else 'desktop'}", full_page=not phone)
        await context.close()


async def test_a_moderator_gets_only_what_a_moderator_may_do(
    browser: Browser, server: Server
) -> None:
    """No camera, go live, end or deal form; chat rules and pins stay."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mod", "viewer", "Mod")
        login_response = await api.post(
            "/api/auth/login", json={"handle": "mod", "password": PASSWORD}
        )
        me = (
            await api.get(
                "/api/me", headers={"Authorization": f"Bearer {login_response.json()['token']}"}
            )
        ).json()
        host = {"Authorization": f"Bearer {show.host_token}"}
        made = await api.post(
            f"/api/rooms/{room_id}/moderators", json={"user_id": me["user"]["id"]}, headers=host
        )
        assert made.status_code == 204, made.text
    for phone in (False, True):
        context, studio = await new_page(browser, server, phone=phone)
        await login(studio, "mod", f"/studio/{room_id}")
        await expect(studio.get_by_test_id("chat-rules")).to_be_visible()
        for absent in ("camera-btn", "end-btn", "golive-btn", "studio-deal-form"):
            await expect(studio.get_by_test_id(absent)).to_have_count(0)
        await expect(studio.get_by_test_id("studio-role")).to_be_visible()
        await expect(studio.get_by_test_id("chat-rules")).to_be_visible()
        await expect(studio.get_by_test_id("pin-btn").first).to_be_visible()
        await shot(
            studio, f"studio-moderator-{'phone' if phone else 'desktop'}", full_page=not phone
        )
        await context.close()


async def test_studio_chat_is_in_sight_on_a_phone(browser: Browser, server: Server) -> None:
    """On a 390 px phone the chat comes right after the stage, inside the first screen."""
    show = await make_show(server, live=True)
    context, studio = await new_page(browser, server, phone=True)
    await login(studio, "anchor", f"/studio/{show.room['id']}")
    await expect(studio.get_by_test_id("chat-form")).to_be_visible()
    box = await studio.get_by_test_id("chat-list").bounding_box()
    assert box is not None and box["y"] < 844 - 120, box
    shelf = await studio.get_by_test_id("studio-shelf").bounding_box()
    assert shelf is not None and shelf["y"] > box["y"]
    await shot(studio, "studio-phone", full_page=False)
    await context.close()
