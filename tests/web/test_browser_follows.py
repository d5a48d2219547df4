"""Follows in real Chromium: a viewer follows the host and taps 预约 on the upcoming
show; the host starts it; the viewer's other open page (home) shows the badge and the
notification."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    """Pages poll their badge every second and rounds run every 0.3 s, so the test is quick."""
    return {**server_env, "LIVECOMMERCE_NOTIFICATION_POLL_SECONDS": "1",
            "LIVECOMMERCE_FOLLOWS_TICK_SECONDS": "0.3"}  # fmt: skip


async def test_remind_then_badge_on_home(browser: Browser, server: Server) -> None:
    """Follow, 预约, the show starts: home shows the badge, the toast and the panel."""
    show = await make_show(server, live=False)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei 小美")
    context, room = await new_page(browser, server, phone=True)
    await login(room, "mei", f"/rooms/{room_id}")
    await room.get_by_test_id("follow-btn").click()
    await expect(room.get_by_test_id("follow-btn")).to_have_text("Following")
    await shot(room, "follows-room-before", full_page=False)
    await room.get_by_test_id("remind-btn").click()
    await expect(room.get_by_test_id("remind-btn")).to_contain_text("Reminder set")
    await expect(room.get_by_test_id("remind-count")).to_have_text("1 reminded")
    await shot(room, "follows-room-reminded", full_page=False)

    home = await context.new_page()
    await home.goto("/")
    await expect(home.get_by_test_id("followed-chip")).to_have_count(1)
    await expect(home.get_by_test_id("notify-badge")).to_be_hidden()
    async with httpx.AsyncClient(base_url=server.url) as api:
        host = {"Authorization": f"Bearer {show.host_token}"}
        assert (await api.post(f"/api/rooms/{room_id}/start", headers=host)).is_success
    badge = home.get_by_test_id("notify-badge")
    await expect(badge).to_have_text("1", timeout=10_000)
    await expect(home.locator("#toast")).to_contain_text("Anchor Lin is live")
    await shot(home, "follows-home-badge", full_page=False)
    await home.get_by_test_id("notify-bell").click()
    panel = home.get_by_test_id("notify-panel")
    await expect(panel.get_by_test_id("notify-item")).to_contain_text("Spring tea tasting")
    await expect(badge).to_be_hidden()
    await shot(home, "follows-home-panel", full_page=False)
    await context.close()
