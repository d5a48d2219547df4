"""Someone else's WHIP client and WHEP player, on a page of another origin, against a node.

The page comes from a second HTTP server (http://localhost:<port>, the node is
http://127.0.0.1:<port>), so every request is cross-origin: the preflights, the
``Location`` the clients must read, and the DELETEs that end the sessions. The clients
are the npm packages ``@eyevinn/whip-web-client`` and ``@eyevinn/webrtc-player``
(tests/web/assets/README.md says how they were bundled).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from tests.servers import Server, free_port
from tests.users import room, signup
from tests.web.conftest import (  # noqa: F401 - fixtures
    browser,
    chromium,
    new_page,
    page_errors,
    server,
    shot,
)
from tests.web.frames import playing

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).resolve().parent / "assets"

PUBLISH = """
async ([endpoint, token]) => {
  const media = await navigator.mediaDevices.getUserMedia(
    {video: {width: 320, height: 240}, audio: true});
  const client = new EyevinnWhip.WHIPClient(
    {endpoint, opts: {iceServers: [], authkey: token, timeout: 1000}});
  window.whip = client;
  await client.ingest(media);
  const failed = new Promise((_, reject) => setTimeout(() => reject("no Location"), 15000));
  return await Promise.race([client.getResourceUrl(), failed]);
}
""".strip()

WATCH = """
async (endpoint) => {
  const video = document.getElementById("video");
  const player = new EyevinnPlayer.WebRTCPlayer({video, type: "whep", iceServers: []});
  window.player = player;
  await player.load(new URL(endpoint));
}
""".strip()

FRAME = """
() => {
  const video = document.getElementById("video");
  const canvas = document.getElementById("canvas");
  const g = canvas.getContext("2d", {willReadFrequently: true});
  g.drawImage(video, 0, 0, canvas.width, canvas.height);
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, max = 0;
  for (let i = 0; i < d.length; i += 4) {
    const light = (d[i] + d[i + 1] + d[i + 2]) / 3;
    sum += light;
    max = Math.max(max, light);
  }
  return {time: video.currentTime, width: video.videoWidth, mean: sum / (d.length / 4), max,
          resource: window.player.adapter.resource || null};
}
""".strip()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_origin() -> Iterator[str]:
    """The test page and the two bundles, from a static server on another origin."""
    handler = functools.partial(_Quiet, directory=str(ASSETS))
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


async def _gone(client: httpx.AsyncClient, url: str) -> None:
    """The session at ``url`` ended (its DELETE reached the node)."""
    async with asyncio.timeout(5):
        while True:
            if (await client.head(url)).status_code == 404:
                return
            await asyncio.sleep(0.1)


async def test_third_party_whip_client_and_whep_player_from_another_origin(
    browser: Browser,  # noqa: F811
    server: Server,  # noqa: F811
    other_origin: str,
) -> None:
    """Eyevinn's WHIP client publishes a fake camera and Eyevinn's WHEP player shows it,
    both cross-origin; each learns its session URL and its DELETE ends the session."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        shop = await signup(api, "shop", "merchant")
        host = await signup(api, "anna", "host")
        rid = (await room(api, shop, host, []))["id"]
        host_context, host_page = await new_page(browser, server)
        viewer_context, viewer_page = await new_page(browser, server)
        try:
            await host_page.goto(f"{other_origin}/whip_whep.html")
            whip = f"{server.url}/api/rooms/{rid}/whip"
            location = await host_page.evaluate(PUBLISH, [whip, host.token])
            assert location.startswith(f"{server.url}/api/rooms/{rid}/whip/")
            await viewer_page.goto(f"{other_origin}/whip_whep.html")
            await viewer_page.evaluate(WATCH, f"{server.url}/api/rooms/{rid}/whep")
            seen = await playing(viewer_page, FRAME)
            await shot(viewer_page, "third-party-whep-player")
            assert seen["width"] == 320
            assert seen["mean"] > 30 and seen["max"] > 100, seen  # the fake camera, not black
            resource = seen["resource"]
            assert resource is not None and "/whep/" in resource
            assert (await api.head(resource)).status_code == 204
            await viewer_page.evaluate("() => window.player.unload()")
            await _gone(api, resource)
            await host_page.evaluate("() => window.whip.destroy()")
            await _gone(api, location)
        finally:
            await host_context.close()
            await viewer_context.close()
