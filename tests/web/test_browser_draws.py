"""A keyword lucky draw in real Chromium against a real server: the host starts it from
the studio, viewers enter from chat, everyone sees the winner, the winner claims to an
address picked from their book, and the proof page and ``draw verify`` recompute the
same winner from the published data; then a follow draw, entered from the card's "follow
to enter", is won by the one viewer who followed."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from livecommerce.draws import fairness
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
FANS = ["mei", "lei", "yun"]
HOME = {"name": "Home", "phone": "13812345678", "region": "上海市", "detail": "徐汇区 1 号"}
OFFICE = {"name": "Office", "phone": "13900001111", "region": "上海市", "detail": "静安区 2 号"}


async def _chat(page: Page, body: str) -> None:
    await page.locator("#chat-form input").fill(body)
    await page.locator("#chat-form input").press("Enter")
    mine = page.locator(".chat-msg.mine").filter(has_text=body)
    await expect(mine).to_be_visible()


async def test_keyword_draw(browser: Browser, server: Server) -> None:
    """Three viewers send the keyword; the winner is shown to all and verifies."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    tokens = {}
    async with httpx.AsyncClient(base_url=server.url) as api:
        for fan in FANS:
            tokens[fan] = await api_signup(api, fan, "viewer", fan.title())
            for fields in (HOME, OFFICE):  # the first is the default
                auth = {"Authorization": f"Bearer {tokens[fan]}"}
                added = await api.post("/api/me/addresses", json=fields, headers=auth)
                assert added.status_code == 201, added.text
        shop = await api.post("/api/auth/login", json={"handle": "teashop", "password": PASSWORD})
        coupon = {"title": "Draw 10 off", "kind": "fixed", "amount_off_cents": 1000}
        auth = {"Authorization": f"Bearer {shop.json()['token']}"}
        made = await api.post("/api/coupons/templates", json=coupon, headers=auth)
        assert made.status_code == 201, made.text
    _, studio = await new_page(browser, server)
    await login(studio, "anchor", f"/studio/{room_id}")
    prizes = studio.get_by_test_id("draw-prize-select")
    await expect(prizes.locator(f'option[value="coupon:{made.json()["id"]}"]')).to_have_count(1)
    rooms: dict[str, Page] = {}
    for fan in FANS:
        _, page = await new_page(browser, server, phone=fan == "mei")
        await login(page, fan, f"/rooms/{room_id}")
        rooms[fan] = page

    form = studio.get_by_test_id("studio-draw-form")
    await form.locator('input[name="keyword"]').fill("抽我")
    await form.locator('input[name="duration_seconds"]').fill("30")
    await form.get_by_test_id("draw-start").click()
    await expect(studio.get_by_test_id("draw-message")).to_contain_text("Draw started")
    for page in rooms.values():
        card = page.get_by_test_id("draw-card")
        await expect(card.get_by_test_id("draw-entry")).to_contain_text("抽我")
        await _chat(page, "抽我")
    await expect(rooms["mei"].get_by_test_id("draw-clock")).to_contain_text("Draws in")
    await shot(rooms["mei"], "draw-open-phone", full_page=False)

    winners = rooms["lei"].get_by_test_id("draw-winners")
    await expect(winners.locator("li")).to_have_count(1, timeout=45_000)
    winner = (await winners.locator("li").inner_text()).removeprefix("@")
    assert winner in FANS
    for page in rooms.values():
        await expect(page.get_by_test_id("draw-winners")).to_have_text(f"@{winner}")
    others = [f for f in FANS if f != winner]
    await expect(rooms[others[0]].get_by_test_id("draw-card")).to_contain_text("Not this time")
    mine = rooms[winner].get_by_test_id("draw-claim")
    await expect(mine.get_by_test_id("draw-you-won")).to_contain_text("You won")
    await shot(rooms[winner], f"draw-won-{winner}", full_page=False)
    await expect(mine.get_by_test_id("address-chosen")).to_contain_text("Home")
    await mine.get_by_test_id("address-change").click()
    await mine.get_by_test_id("address-option").filter(has_text="Office").click()
    await expect(mine.get_by_test_id("address-chosen")).to_contain_text("Office")
    await mine.get_by_test_id("draw-claim-button").click()
    await expect(rooms[winner].get_by_test_id("draw-card")).to_contain_text("Claimed")
    async with httpx.AsyncClient(base_url=server.url) as api:
        auth = {"Authorization": f"Bearer {tokens[winner]}"}
        [order] = (await api.get("/api/orders", headers=auth)).json()["orders"]
        order = (await api.get(f"/api/orders/{order['id']}", headers=auth)).json()
    assert order["status"] == "paid" and order["address"]["name"] == "Office"
    await expect(studio.get_by_test_id("draw-message")).to_contain_text(f"@{winner}")

    proof_page = rooms[others[1]]
    async with proof_page.context.expect_page() as opened:
        await proof_page.get_by_test_id("draw-proof-link").click()
    proof_tab = await opened.value
    verdict = proof_tab.get_by_test_id("proof-verdict")
    await expect(verdict).to_have_class("draw-verdict ok")
    await shot(proof_tab, "draw-proof")
    async with httpx.AsyncClient(base_url=server.url) as api:
        current = (await api.get(f"/api/rooms/{room_id}/draws/current")).json()["draw"]
        proof = (await api.get(f"/api/draws/{current['id']}/proof")).json()
    checked = fairness.verify(proof)
    assert checked.ok and len(checked.winners) == 1
    assert await verdict.get_attribute("data-winners") == str(checked.winners[0])
    assert proof["winners"][0]["handle"] == winner and proof["entrant_count"] == 3
    assert await _cli_winners(f"{server.url}{current['proof_url']}") == checked.winners
    await _follow_draw(studio, rooms)


async def _cli_winners(url: str) -> list[int]:
    """What ``livecommerce draw verify URL --json`` recomputes, run as anyone would."""
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livecommerce", "draw", "verify", url, "--json",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await cli.communicate()
    assert cli.returncode == 0, out
    verdict = json.loads(out)
    assert verdict["ok"]
    return list(verdict["winners"])


async def _follow_draw(studio: Page, rooms: dict[str, Page]) -> None:
    """Only mei follows (from the card); she is the one entrant and the winner."""
    form = studio.get_by_test_id("studio-draw-form")
    await form.locator('select[name="condition"]').select_option("follow")
    await expect(form.locator("[data-field=keyword]")).to_be_hidden()
    await form.get_by_test_id("draw-start").click()
    for page in rooms.values():
        card = page.get_by_test_id("draw-card")
        await expect(card.get_by_test_id("draw-entry")).to_contain_text("Follow the host")
    mei = rooms["mei"]
    await mei.get_by_test_id("draw-follow").click()
    await expect(mei.get_by_test_id("draw-entered")).to_be_visible()
    await expect(mei.get_by_test_id("follow-btn")).to_contain_text("Following")
    await expect(rooms["lei"].get_by_test_id("draw-follow")).to_be_visible()
    await shot(mei, "draw-follow-entered", full_page=False)
    for page in rooms.values():
        winners = page.get_by_test_id("draw-winners")
        await expect(winners).to_have_text("@mei", timeout=75_000)
        await expect(page.get_by_test_id("draw-card")).to_contain_text("1 entrants")
