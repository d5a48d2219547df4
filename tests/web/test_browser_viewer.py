"""The viewer room's rough edges (issue #15) in a real Chromium: one WHEP peer per tab,
buying at the shelf price, the order toast clear of "Pay now", bans and ended rooms,
likes from visitors, and the host's peak and unique viewer figures."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from livecommerce.media.client import publish_test_pattern
from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import make_show

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
