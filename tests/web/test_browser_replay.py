"""The shoppable replay in a real Chromium: a real H.264 show with pins, a deal, chat and
orders is recorded, ended, and replayed with its cards, chat and bursts on the
recording's clock."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets
from playwright.async_api import Browser, Page, expect

from livecommerce.media.client import MediaSession, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.frames import frame_probe, playing
from tests.web.test_browser_hls import live_playlist
from tests.web.test_browser_room import PRODUCTS, api_signup, make_show

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.parametrize("shape", ["embedded"], indirect=True),
]

FRAME = frame_probe("replay-video")

SEEK = """
async (seconds) => {
  const video = document.getElementById("replay-video");
  video.pause();
  await new Promise((resolve) => {
    video.addEventListener("seeked", resolve, {once: true});
    video.currentTime = seconds;
  });
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const card = document.getElementById("pinned-card");
  return {time: video.currentTime, hidden: card.hidden, text: card.textContent,
          chat: [...document.querySelectorAll("#chat-list [data-testid=chat-message] .body")]
            .map((n) => n.textContent)};
}
""".strip()


@dataclass
class Recorded:
    room_id: int
    products: list[int]
    replay: dict[str, Any]


async def chat(socket: Any, body: str) -> None:
    await socket.send(json.dumps({"type": "chat.send", "ref": 1, "data": {"body": body}}))
    async with asyncio.timeout(5):
        while True:
            answer = str(await socket.recv())
            assert '"error"' not in answer, answer
            if '"chat.accepted"' in answer:
                return


async def live_deal(api: httpx.AsyncClient, headers: dict[str, str], room_id: int, pid: int) -> int:
    body = {"product_id": pid, "price_cents": 990, "quantity": 20, "per_user_limit": 3,
            "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
    made = await api.post(f"/api/rooms/{room_id}/sales", json=body, headers=headers)
    assert made.status_code == 201, made.text
    sale_id: int = made.json()["id"]
    async with asyncio.timeout(15):
        while True:
            if (await api.get(f"/api/sales/{sale_id}")).json()["status"] == "live":
                return sale_id
            await asyncio.sleep(0.1)


async def buy(api: httpx.AsyncClient, token: str, sale_id: int, key: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    placed = await api.post(f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=headers)
    assert placed.status_code in (200, 201), placed.text


async def run_show(server: Server, api: httpx.AsyncClient) -> Recorded:
    """~20 s on air: pin A, chat, a deal on B with orders, pin B, chat, unpin, chat, end."""
    show = await make_show(server, live=True)  # A is pinned before the recording
    room_id, (a, b) = show.room["id"], show.room_products
    host = {"Authorization": f"Bearer {show.host_token}"}
    viewer = await api_signup(api, "mei", "viewer", "Mei")
    api.cookies.clear()
    assert (await api.delete(f"/api/rooms/{room_id}/pin", headers=host)).is_success
    tracks = [PatternVideoTrack(320, 240), ToneAudioTrack()]
    whip = f"{server.url}/api/rooms/{room_id}/whip"
    publisher: MediaSession = await whip_publish(
        whip, show.host_token, tracks, client=api, video_codec="video/H264"
    )
    socket_url = f"{server.url.replace('http', 'ws')}/ws/rooms/{room_id}?token={viewer}"
    try:
        await live_playlist(api, room_id, 1)
        async with websockets.connect(socket_url) as socket:
            await asyncio.sleep(1.0)
            assert (await api.put(f"/api/rooms/{room_id}/pin", json={"product_id": a},
                                  headers=host)).is_success  # fmt: skip
            await asyncio.sleep(1.5)
            await chat(socket, "hello from the start")
            await asyncio.sleep(1.5)
            sale_id = await live_deal(api, host, room_id, b)
            for n in range(3):
                await buy(api, viewer, sale_id, f"replay-{n}")
            await asyncio.sleep(2.5)
            assert (await api.put(f"/api/rooms/{room_id}/pin", json={"product_id": b},
                                  headers=host)).is_success  # fmt: skip
            await asyncio.sleep(2.0)
            await chat(socket, "the cup looks lovely")
            await asyncio.sleep(2.5)
            assert (await api.delete(f"/api/rooms/{room_id}/pin", headers=host)).is_success
            await asyncio.sleep(2.0)
            await chat(socket, "see you next time")
            await asyncio.sleep(3.0)
        assert (await api.post(f"/api/rooms/{room_id}/end", headers=host)).is_success
    finally:
        await publisher.pc.close()
    async with asyncio.timeout(20):
        while True:  # the show log is flushed, the recording's manifest is final
            answer = await api.get(f"/api/rooms/{room_id}/replay")
            body = answer.json()
            kinds = {e["type"] for e in body.get("events", [])}
            if body.get("recording") and {"room.ended", "recording.ended"} <= kinds:
                return Recorded(room_id, [a, b], body)
            await asyncio.sleep(0.5)


async def plays(page: Page) -> dict[str, Any]:
    """The replay plays: its clock moves on by a second, and the picture is not black."""
    await page.evaluate('document.getElementById("replay-video").play()')
    return await playing(page, FRAME)


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


async def test_the_replay_shows_cards_chat_and_bursts_on_the_recordings_clock(
    browser: Browser, server: Server
) -> None:
    """Video plays; marks, card, chat and bursts follow the recording's clock; explain
    clips jump to their span; the home page lists it; buying is at today's price."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as api:
        show = await run_show(server, api)
    events = show.replay["events"]
    marked = of_type(events, "product.pinned")
    pins = [e for e in marked if e.get("media_t") is not None]  # not make_show's, before it
    unpins = of_type(events, "product.unpinned")
    deals = of_type(events, "sale.started")
    chats = of_type(events, "chat.posted")
    bursts = of_type(events, "order.placed.summary")
    assert len(pins) == 2 and len(deals) == 1 and len(chats) == 3 and bursts, events
    duration = show.replay["recording"]["duration"]
    assert duration > max(15.0, chats[-1]["t"]), duration  # the whole show is recorded
    context, page = await new_page(browser, server)
    await page.goto(f"/replay/{show.room_id}")
    seen = await plays(page)
    assert seen["width"] == 320 and seen["mean"] > 30 and seen["max"] > 100, seen
    await shot(page, "replay-playing")

    # The scrub bar: one mark per pin and per deal, where they are in the recording.
    marks = page.get_by_test_id("replay-mark")
    await expect(marks).to_have_count(len(marked) + len(deals))
    lefts = await marks.evaluate_all("(ms) => ms.map((m) => parseFloat(m.style.left))")
    wanted = sorted(100 * e["t"] / duration for e in [*marked, *deals])
    assert all(abs(x - y) < 0.5 for x, y in zip(sorted(lefts), wanted, strict=True)), lefts

    # The pinned card changes at the pin's media time, within 0.5 s either side.
    titles = {show.products[0]: PRODUCTS[0][0], show.products[1]: PRODUCTS[1][0]}
    before_a = await page.evaluate(SEEK, pins[0]["t"] - 0.4)
    assert before_a["hidden"], before_a
    after_a = await page.evaluate(SEEK, pins[0]["t"] + 0.4)
    assert not after_a["hidden"] and titles[show.products[0]] in after_a["text"], after_a
    before_b = await page.evaluate(SEEK, pins[1]["t"] - 0.4)
    assert titles[show.products[0]] in before_b["text"], before_b
    after_b = await page.evaluate(SEEK, pins[1]["t"] + 0.4)
    assert titles[show.products[1]] in after_b["text"], after_b
    await shot(page, "replay-second-pin")
    assert (await page.evaluate(SEEK, unpins[-1]["t"] + 0.4))["hidden"]

    # Chat replays in time, after a backward seek too.
    at = [c["t"] for c in chats]
    assert (await page.evaluate(SEEK, at[1] - 0.4))["chat"] == ["hello from the start"]
    end = await page.evaluate(SEEK, at[2] + 0.4)
    assert end["chat"] == ["hello from the start", "the cup looks lovely", "see you next time"]
    assert (await page.evaluate(SEEK, at[0] - 0.4))["chat"] == []
    toggle = page.get_by_test_id("chat-toggle")
    await toggle.click()
    await expect(page.get_by_test_id("replay-chat")).to_be_hidden()
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    await expect(page.get_by_test_id("replay-chat")).to_be_visible()

    # "N bought" bursts over the picture when the orders came in.
    burst = page.get_by_test_id("bought-burst")
    count = sum(int(b["data"].get("count", 1)) for b in bursts)
    # Orders placed close together give bursts a fraction of a second apart: the card shows
    # the latest one that has started by the seek point.
    seek = bursts[0]["t"] + 0.3
    shown = [b for b in bursts if b["t"] <= seek][-1]
    await page.evaluate(SEEK, seek)
    await expect(burst).to_be_visible()
    assert str(shown["data"].get("count", 1)) in (await burst.inner_text())
    await page.evaluate(SEEK, bursts[-1]["t"] + 6)
    await expect(burst).to_be_hidden()
    assert count == 3

    # Explain clips: the card's "watch the host explain this" jumps into the pin's span.
    await page.evaluate(SEEK, pins[1]["t"] + 1.0)
    await page.get_by_test_id("pinned-card").get_by_test_id("explain-clip").click()
    clip = next(c for c in show.replay["clips"] if c["product_id"] == show.products[1])
    async with asyncio.timeout(5):
        while True:
            time = await page.evaluate('document.getElementById("replay-video").currentTime')
            if clip["start"] <= time <= clip["end"]:
                break
            await asyncio.sleep(0.1)

    # Listed on the home page; the card and the buy sheet show today's shelf price, not
    # the ended deal's.
    await page.goto("/")
    link = page.get_by_test_id("replays").get_by_test_id("replay-link")
    await expect(link).to_have_count(1)
    await link.click()
    await page.wait_for_url(f"**/replay/{show.room_id}")
    await page.evaluate(SEEK, pins[-1]["t"] + 0.5)
    card = page.get_by_test_id("pinned-card")
    await expect(card).to_contain_text("¥39")  # the deal is over: today's price
    await expect(card).not_to_contain_text("¥9.90")
    await card.get_by_test_id("pinned-buy").click()
    sheet = page.get_by_test_id("buy-sheet")
    await expect(sheet).to_be_visible()
    await expect(sheet).to_contain_text("¥39")
    await expect(sheet).not_to_contain_text("¥9.90")
    await shot(page, "replay-buy-sheet")
    await context.close()
