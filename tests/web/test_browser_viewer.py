"""The viewer room's rough edges (issue #15) in a real Chromium: one WHEP peer per tab,
buying at the shelf price, the order toast clear of "Pay now", bans and ended rooms,
likes from visitors, and the host's peak and unique viewer figures."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from websockets.asyncio.client import connect
from websockets.typing import Origin

from livecommerce.media.client import publish_test_pattern
from tests.servers import Server
from tests.users import ADDRESS
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
VIEWER_PEERS = re.compile(r'^lc_media_peers\{kind="viewer"\} (\S+)$', re.M)


async def viewer_peers(server: Server) -> int:
    async with httpx.AsyncClient(base_url=server.url) as api:
        text = (await api.get("/metrics")).text
    found = VIEWER_PEERS.search(text)
    assert found, text
    return int(float(found.group(1)))


async def test_one_tab_one_peer(browser: Browser, server: Server) -> None:
    """A viewer tab on a live stream holds exactly one WHEP peer connection."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    whip = f"{server.url}/api/rooms/{room_id}/whip"
    host = await publish_test_pattern(whip, show.host_token)
    try:
        context, page = await new_page(browser, server)
        await page.goto(f"/rooms/{room_id}")
        await expect(page.locator("#video.playing")).to_be_visible(timeout=20_000)
        # Long enough for a second negotiation (ICE gathering waits up to 2 s) to land.
        await asyncio.sleep(4)
        assert await viewer_peers(server) == 1
        await context.close()
    finally:
        await host.close()


async def viewer_login(browser: Browser, server: Server, room_id: int, handle: str, *,
                       phone: bool = False) -> tuple[BrowserContext, Page]:  # fmt: skip
    """A new viewer ``handle`` with an address to ship to, logged in on the room page."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = await api_signup(api, handle, "viewer", f"{handle.title()} 小美")
        added = await api.post(
            "/api/me/addresses", json=ADDRESS, headers={"Authorization": f"Bearer {token}"}
        )
        assert added.status_code == 201, added.text
    context, page = await new_page(browser, server, phone=phone)
    await login(page, handle, f"/rooms/{room_id}")
    return context, page


async def bearer(api: httpx.AsyncClient, handle: str) -> dict[str, str]:
    answer = await api.post("/api/auth/login", json={"handle": handle, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def launch_deal(server: Server, room_id: int, product_id: int) -> int:
    """The merchant's live deal on ``product_id``: ¥59.90, 20 units, 2 per buyer."""
    deal = {"product_id": product_id, "price_cents": 5990, "quantity": 20,
            "per_user_limit": 2, "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
    async with httpx.AsyncClient(base_url=server.url) as api:
        made = await api.post(
            f"/api/rooms/{room_id}/sales", json=deal, headers=await bearer(api, "teashop")
        )
    assert made.status_code == 201, made.text
    sale_id: int = made.json()["id"]
    return sale_id


async def orders_of(server: Server, handle: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.url) as api:
        answer = await api.get("/api/orders", headers=await bearer(api, handle))
    orders: list[dict[str, Any]] = answer.json()["orders"]
    return orders


async def test_buy_at_shelf_price(browser: Browser, server: Server) -> None:
    """Without a live deal the sheet buys at the shelf price; with one, at the deal price."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    context, page = await viewer_login(browser, server, room_id, "mei", phone=True)
    await page.get_by_test_id("shelf-btn").click()
    await page.get_by_test_id("shelf-buy").nth(1).click()
    sheet = page.get_by_test_id("buy-sheet")
    await expect(sheet.locator(".buy-meta .price")).to_have_text("¥39")
    await expect(sheet.get_by_test_id("buy-confirm")).to_be_enabled()
    await sheet.get_by_role("button", name="+").click()
    await expect(sheet.get_by_test_id("buy-total")).to_have_text("¥78")
    await shot(page, "viewer-shelf-buy-phone", full_page=False)
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Ordered!")
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Paid")
    [order] = await orders_of(server, "mei")
    bought = (order["product_id"], order["quantity"], order["unit_price_cents"], order["sale_id"])
    assert bought == (show.room_products[1], 2, 3900, None)
    await page.keyboard.press("Escape")

    await launch_deal(server, room_id, show.room_products[0])
    await expect(page.get_by_test_id("sale-banner")).to_contain_text("¥59.90")
    await page.get_by_test_id("pinned-buy").click()
    await expect(sheet.get_by_test_id("buy-price")).to_contain_text("¥59.90")
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Ordered!")
    deal_order = next(o for o in await orders_of(server, "mei") if o["sale_id"] is not None)
    assert (deal_order["product_id"], deal_order["unit_price_cents"]) == (
        show.room_products[0],
        5990,
    )
    await context.close()


# Is "Pay now" the element under its own centre, with no toast over it?
PAY_CLEAR = """() => {
  const pay = document.querySelector('[data-testid=buy-pay]');
  if (!pay) return 'no pay button';
  const box = pay.getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  if (!pay.contains(hit)) return 'covered by ' + (hit && (hit.id || hit.className));
  const toast = document.getElementById('toast');
  if (!toast.hidden) {
    const t = toast.getBoundingClientRect();
    const apart = t.right <= box.left || box.right <= t.left
      || t.bottom <= box.top || box.bottom <= t.top;
    if (!apart) return 'toast over pay';
  }
  return 'clear';
}"""


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_order_toast_leaves_pay_now_clear(
    browser: Browser, server: Server, phone: bool
) -> None:
    """Right after ordering, "Pay now" is tappable: no order toast sits on it."""
    show = await make_show(server, live=True)
    context, page = await viewer_login(browser, server, show.room["id"], "mei", phone=phone)
    await page.get_by_test_id("pinned-buy").click()
    sheet = page.get_by_test_id("buy-sheet")
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-pay")).to_be_visible()
    # The order's own news arrives on the socket within this window.
    for _ in range(15):
        assert await page.evaluate(PAY_CLEAR) == "clear"
        await asyncio.sleep(0.1)
    await shot(page, f"viewer-pay-now-{'phone' if phone else 'desktop'}", full_page=False)
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Paid")
    await context.close()


async def moderate(server: Server, room_id: int, command: str, data: dict[str, Any]) -> None:
    """The host sends a moderation command on the room socket and waits for its ack."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = (await bearer(api, "anchor"))["Authorization"].split()[1]
    url = f"{server.url.replace('http', 'ws')}/ws/rooms/{room_id}?token={token}"
    async with connect(url, origin=Origin(server.url)) as socket:
        await socket.send(json.dumps({"type": command, "data": data}))
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await socket.recv())
                events = frame if isinstance(frame, list) else [frame]
                if any(e["type"] in ("ack", "error") for e in events):
                    assert all(e["type"] != "error" for e in events), events
                    return


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_banned_viewer(browser: Browser, server: Server, phone: bool) -> None:
    """A ban closes the viewer's chat at once and, after a reload, the room says why."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    context, page = await viewer_login(browser, server, room_id, "mei", phone=phone)
    await expect(page.get_by_test_id("viewer-count")).to_have_text("1")
    await moderate(server, room_id, "moderation.ban", {"user": "mei"})
    notice = page.get_by_test_id("stage-notice")
    await expect(notice).to_contain_text("You were removed from this room")
    await expect(page.get_by_test_id("chat-closed")).to_have_text("You can't chat in this room.")
    await expect(page.locator("#chat-form")).to_have_count(0)
    await expect(page.locator("#connection-banner")).to_be_hidden()
    name = "phone" if phone else "desktop"
    await shot(page, f"viewer-banned-{name}", full_page=False)
    await page.reload()
    await expect(notice).to_contain_text("You were removed from this room")
    await expect(page.get_by_test_id("chat-closed")).to_be_visible()
    await expect(page.locator("#chat-form")).to_have_count(0)
    for hidden in ("#connection-banner", "#toast", "[data-testid=viewer-count]", "#pinned-card"):
        await expect(page.locator(hidden)).to_be_hidden()
    await shot(page, f"viewer-banned-reload-{name}", full_page=False)
    await context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_ended_room(browser: Browser, server: Server, phone: bool) -> None:
    """An ended show keeps its chat, read-only, and says what it sold; an open page turns
    read-only when the host ends the show."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    buyer_context, buyer = await viewer_login(browser, server, room_id, "mei", phone=phone)
    await buyer.locator("#chat-form input").fill("Lovely cups")
    await buyer.locator("#chat-form input").press("Enter")
    await expect(buyer.get_by_test_id("chat-message").filter(has_text="Lovely cups")).to_have_count(
        1
    )
    async with httpx.AsyncClient(base_url=server.url) as api:
        headers = {**await bearer(api, "mei"), "Idempotency-Key": "cups"}
        product = show.room_products[1]
        placed = await api.post(f"/api/rooms/{room_id}/products/{product}/orders",
                                json={"quantity": 2}, headers=headers)  # fmt: skip
        await api.post("/api/me/addresses", json=ADDRESS, headers=headers)
        await api.post(f"/api/orders/{placed.json()['id']}/pay", json={}, headers=headers)
        ended = await api.post(
            f"/api/rooms/{room_id}/end", headers={"Authorization": f"Bearer {show.host_token}"}
        )
        assert ended.is_success, ended.text
    # The open page: chat closes, the sales appear.
    await expect(buyer.get_by_test_id("room-status")).to_have_text("Ended")
    await expect(buyer.get_by_test_id("chat-closed")).to_have_text(
        "The show has ended; chat is closed."
    )
    await expect(buyer.get_by_test_id("sold-line")).to_have_text(
        ["Celadon tea cup, hand made2 sold"]
    )
    await buyer_context.close()

    context, page = await viewer_login(browser, server, room_id, "lan", phone=phone)
    await expect(page.get_by_test_id("chat-message").filter(has_text="Lovely cups")).to_have_count(
        1
    )
    await expect(page.get_by_test_id("chat-closed")).to_be_visible()
    await expect(page.locator("#chat-form")).to_have_count(0)
    notice = page.get_by_test_id("stage-notice")
    await expect(notice).to_contain_text("Sold in this show")
    await expect(notice.get_by_test_id("sold-line")).to_have_text(
        ["Celadon tea cup, hand made2 sold"]
    )
    await shot(page, f"viewer-ended-{'phone' if phone else 'desktop'}", full_page=False)
    await page.get_by_test_id("shelf-btn").click()
    await expect(page.get_by_test_id("shelf-buy")).to_have_count(0)
    await expect(page.get_by_test_id("shelf-sold")).to_have_text(["0 sold", "2 sold"])
    await context.close()


async def test_visitor_like_asks_to_log_in(browser: Browser, server: Server) -> None:
    """A visitor's like is not counted on screen; the page asks them to log in instead."""
    show = await make_show(server, live=True)
    context, page = await new_page(browser, server, phone=True)
    await page.goto(f"/rooms/{show.room['id']}")
    await expect(page.get_by_test_id("viewer-count")).to_have_text("1")
    await page.get_by_test_id("like-btn").click()
    prompt = page.get_by_test_id("like-login")
    await expect(prompt).to_be_visible()
    await expect(prompt).to_have_attribute("href", f"/login?next=/rooms/{show.room['id']}")
    await expect(page.get_by_test_id("like-count")).to_have_text("0")
    await shot(page, "viewer-like-login-phone", full_page=False)
    await context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_chat_lines_read_right(browser: Browser, server: Server, lang: str) -> None:
    """ "1 person just bought" in the singular, and moderation lines name users as chat does."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    sale_id = await launch_deal(server, room_id, show.room_products[0])
    context, page = await new_page(browser, server, lang=lang)
    await page.goto(f"/rooms/{room_id}")
    await expect(page.get_by_test_id("viewer-count")).to_have_text("1")
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "mei", "viewer", "Mei 小美")
        headers = {**await bearer(api, "mei"), "Idempotency-Key": "one"}
        bought = await api.post(
            f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=headers
        )
        assert bought.status_code == 201, bought.text
    chat = page.get_by_test_id("chat-list")
    await expect(chat).to_contain_text("1 person just bought" if lang == "en" else "1 人刚刚下单")
    await expect(chat).not_to_contain_text("1 people")
    await moderate(server, room_id, "moderation.mute", {"user": "mei", "seconds": 300})
    await expect(chat).to_contain_text(
        "Mei 小美 was muted" if lang == "en" else "Mei 小美 已被禁言"
    )
    await expect(chat).not_to_contain_text("mei was muted")
    await shot(page, f"viewer-chat-lines-{lang}", full_page=False)
    await context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_host_sees_peak_and_unique(browser: Browser, server: Server, phone: bool) -> None:
    """The room's host and merchant see peak and unique viewers on the room page; viewers do not."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    visitors = []
    for _ in range(2):
        visitor_context, visitor = await new_page(browser, server)
        await visitor.goto(f"/rooms/{room_id}")
        await expect(visitor.get_by_test_id("viewer-count")).not_to_have_text("0")
        visitors.append(visitor_context)
    await expect(visitor.get_by_test_id("audience-stats")).to_have_count(0)
    for handle in ("anchor", "teashop"):
        context, page = await new_page(browser, server, phone=phone)
        await login(page, handle, f"/rooms/{room_id}")
        chip = page.get_by_test_id("audience-stats")
        await expect(chip).to_have_text(
            re.compile(r"^Peak [1-9]\d* · Unique [1-9]\d*$"), timeout=15_000
        )
        await shot(
            page, f"viewer-audience-{handle}-{'phone' if phone else 'desktop'}", full_page=False
        )
        await context.close()
    for visitor_context in visitors:
        await visitor_context.close()
