"""The host page in a real Chromium on a phone: a viewer reaches it from the room's host
name, follows the host, sees the show live now, an upcoming show to 预约 and a replay."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import PHONE, new_page, shot
from tests.web.test_browser_room import PASSWORD, SHOW, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def more_shows(server: Server, host_token: str) -> tuple[int, int]:
    """The same host's ended show (its replay, published) and an upcoming one."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        login_answer = await api.post(
            "/api/auth/login", json={"handle": "teashop", "password": PASSWORD}
        )
        shop = {"Authorization": f"Bearer {login_answer.json()['token']}"}
        host = {"Authorization": f"Bearer {host_token}"}
        made = []
        for title in ("Last week's tea 回放", "Next week's tea"):
            body: dict[str, object] = {**SHOW, "title": title, "product_ids": []}
            answer = await api.post("/api/rooms", headers=shop, json=body)
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["id"])
        for step in ("start", "end"):
            assert (await api.post(f"/api/rooms/{made[0]}/{step}", headers=host)).is_success
    return made[0], made[1]


async def test_follow_from_the_host_page(browser: Browser, server: Server) -> None:
    """Room host name -> host page; Follow counts 1; the live show, 预约 and a replay."""
    show = await make_show(server, live=True)
    replay_id, _ = await more_shows(server, show.host_token)
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei 小美")
    context, page = await new_page(browser, server, phone=True)
    await login(page, "mei", f"/rooms/{show.room['id']}")
    await page.get_by_test_id("room-page").get_by_test_id("host-link").click()
    await page.wait_for_url(f"**/hosts/{show.room['host_id']}")
    await expect(page.get_by_test_id("host-name")).to_have_text("Anchor Lin")
    await expect(page.get_by_test_id("host-followers")).to_have_text("0 followers")
    await page.get_by_test_id("follow-btn").click()
    await expect(page.get_by_test_id("follow-btn")).to_have_text("Following")
    await expect(page.get_by_test_id("host-followers")).to_have_text("1 follower")

    live = page.get_by_test_id("host-live").get_by_test_id("room-card")
    await expect(live).to_have_count(1)
    await expect(live).to_contain_text("Spring tea tasting")
    upcoming = page.get_by_test_id("host-upcoming").get_by_test_id("room-card")
    await expect(upcoming).to_contain_text("Next week's tea")
    await upcoming.get_by_test_id("remind-btn").click()
    await expect(upcoming.get_by_test_id("remind-count")).to_have_text("1 reminded")
    replay = page.get_by_test_id("host-replay")
    await expect(replay).to_have_count(1)
    await expect(replay.get_by_test_id("replay-link")).to_have_attribute(
        "href", f"/replay/{replay_id}"
    )
    await expect(replay.get_by_test_id("replay-duration")).to_contain_text("on air")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing runs off a phone's screen
    await shot(page, "host-page-phone")

    await page.reload()  # the follow and the 预约 are the server's, not the page's
    await expect(page.get_by_test_id("follow-btn")).to_have_text("Following")
    await expect(page.get_by_test_id("remind-btn")).to_contain_text("Reminder set")
    await shot(page, "host-page-phone-top", full_page=False)
    await live.get_by_role("link", name="Spring tea tasting").click()
    await page.wait_for_url(f"**/rooms/{show.room['id']}")
    await context.close()


async def test_host_page_in_chinese(browser: Browser, server: Server) -> None:
    """A visitor in Chinese sees the page's texts in Chinese; Follow asks them to log in."""
    show = await make_show(server, live=False)
    context, page = await new_page(browser, server, phone=True, lang="zh")
    await page.goto(f"/hosts/{show.room['host_id']}")
    await expect(page.get_by_test_id("host-followers")).to_have_text("0 粉丝")
    await expect(page.get_by_test_id("host-live")).to_contain_text("主播暂未开播")
    await expect(page.get_by_test_id("host-replays")).to_contain_text("暂无回放")
    await expect(page.get_by_test_id("follow-btn")).to_have_text("+ 关注")
    await page.get_by_test_id("follow-btn").click()
    await expect(page.locator("#toast")).to_contain_text("登录后可关注和预约")
    await shot(page, "host-page-phone-zh")
    await context.close()
