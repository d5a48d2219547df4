"""HLS viewers see commerce cards on their picture's clock: a pin shows when the picture
they watch (seconds behind the live show) reaches the moment of the pin."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from livecommerce.media.client import whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests.servers import Server, start_server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_hls import live_playlist, played
from tests.web.test_browser_room import PRODUCTS, make_show

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]

WATCH_CARD = """
(title) => {
  const card = document.getElementById("pinned-card");
  const video = document.getElementById("video");
  window.cardSeen = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (card.hidden || !card.textContent.includes(title)) return;
      observer.disconnect();
      resolve({now: Date.now(), picture: video.pictureDate()?.getTime() ?? null});
    });
    observer.observe(card, {subtree: true, childList: true, characterData: true,
                            attributes: true});
  });
}
"""


@pytest.fixture
def full_node(server_env: dict[str, str], tmp_path: Path) -> Any:
    """A node whose WebRTC tier is full: its viewers watch the live HLS."""
    node = start_server({**server_env, "LIVECOMMERCE_MEDIA_MAX_VIEWERS": "0"}, tmp_path)
    yield node
    node.stop()


@pytest.mark.browser
async def test_an_hls_viewer_sees_the_pin_when_their_picture_reaches_it(
    browser: Browser, full_node: Server
) -> None:
    show = await make_show(full_node, live=True)
    room_id = show.room["id"]
    headers = {"Authorization": f"Bearer {show.host_token}"}
    async with httpx.AsyncClient(base_url=full_node.url, timeout=30.0) as api:
        tracks = [PatternVideoTrack(320, 240), ToneAudioTrack()]
        whip = f"{full_node.url}/api/rooms/{room_id}/whip"
        host = await whip_publish(
            whip, show.host_token, tracks, client=api, video_codec="video/H264"
        )
        context, page = await new_page(browser, full_node)
        try:
            await live_playlist(api, room_id, 3)
            await page.goto(f"/rooms/{room_id}")
            assert (await played(page))["transport"] == "hls"
            await page.evaluate(WATCH_CARD, PRODUCTS[1][0])
            pin = {"product_id": show.room_products[1]}
            answer = await api.put(f"/api/rooms/{room_id}/pin", json=pin, headers=headers)
            assert answer.status_code == 200, answer.text
            async with asyncio.timeout(40):
                seen: dict[str, Any] = await page.evaluate("window.cardSeen")
            await shot(page, "hls-pin-on-picture-clock")
            assert (await api.post(f"/api/rooms/{room_id}/end", headers=headers)).is_success
            await asyncio.sleep(1.5)  # the show log's flush
            events = (await api.get(f"/api/rooms/{room_id}/replay")).json()["events"]
        finally:
            await context.close()
            await host.close()
    [pinned] = [e for e in events if e["type"] == "product.pinned" and e.get("media_t")]
    at = datetime.fromisoformat(pinned["at"].replace("Z", "+00:00")).timestamp() * 1000
    assert seen["picture"] is not None
    # The card came up when the picture reached the pin, not when the socket heard it.
    assert abs(seen["picture"] - at) < 500, (seen, pinned)
    # LL-HLS holds the player at least PART-HOLD-BACK (1.5 s) behind: the socket heard
    # the pin that much before the card came up.
    assert seen["now"] - at > 1000, (seen, pinned)
