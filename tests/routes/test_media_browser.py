"""Chromium as the host (fake camera over WHIP) and as a viewer (WHEP), through a real node."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.servers import Server
from tests.users import room, signup
from tests.web.conftest import (  # noqa: F401 - fixtures
    browser,
    chromium,
    new_page,
    page_errors,
    server,
)

pytestmark = pytest.mark.browser

# Non-trickle WHIP/WHEP: the offer goes out once ICE gathering is complete.
NEGOTIATE = """
async function negotiate(pc, url, token) {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === "complete") return done();
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") done();
    });
  });
  const headers = {"Content-Type": "application/sdp"};
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch(url, {method: "POST", headers, body: pc.localDescription.sdp});
  if (response.status !== 201) throw new Error(response.status + " " + await response.text());
  await pc.setRemoteDescription({type: "answer", sdp: await response.text()});
  return response.headers.get("Location");
}
"""

PUBLISH = """
async ([url, token, codec]) => {
  NEGOTIATE
  const media = await navigator.mediaDevices.getUserMedia(
    {video: {width: 320, height: 240}, audio: true});
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) {
    const transceiver = pc.addTransceiver(track, {direction: "sendonly"});
    if (track.kind === "video") {
      const all = RTCRtpSender.getCapabilities("video").codecs;
      const wanted = all.filter((c) => c.mimeType === "video/" + codec);
      if (!wanted.length) return "unsupported";
      transceiver.setCodecPreferences([...wanted, ...all.filter((c) => !wanted.includes(c))]);
    }
  }
  window.host = pc;
  return await negotiate(pc, url, token);
}
""".replace("NEGOTIATE", NEGOTIATE).strip()

WATCH = """
async (url) => {
  NEGOTIATE
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.addTransceiver("audio", {direction: "recvonly"});
  const media = new MediaStream();
  pc.ontrack = (event) => media.addTrack(event.track);
  const video = document.createElement("video");
  video.muted = true;
  video.autoplay = true;
  video.srcObject = media;
  document.body.appendChild(video);
  window.viewer = pc;
  window.video = video;
  return await negotiate(pc, url, null);
}
""".replace("NEGOTIATE", NEGOTIATE).strip()

DECODED = """
async () => {
  const stats = await window.viewer.getStats();
  const found = {video: 0, audio: 0, codec: ""};
  const codecs = {};
  stats.forEach((s) => { if (s.type === "codec") codecs[s.id] = s.mimeType; });
  stats.forEach((s) => {
    if (s.type !== "inbound-rtp") return;
    if (s.kind === "video") { found.video = s.framesDecoded || 0; found.codec = codecs[s.codecId]; }
    if (s.kind === "audio") found.audio = s.totalSamplesReceived || 0;
  });
  found.width = window.video.videoWidth;
  return found;
}
""".strip()


async def _decoded(page: Page) -> dict[str, object]:
    async with asyncio.timeout(30):
        while True:
            found: dict[str, object] = await page.evaluate(DECODED)
            if int(str(found["video"])) > 10 and int(str(found["audio"])) > 0:
                return found
            await asyncio.sleep(0.25)


@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_browser_host_to_browser_viewer(
    browser: Browser,  # noqa: F811
    server: Server,  # noqa: F811
    codec: str,
) -> None:
    """Chromium publishes its camera over WHIP; another Chromium decodes it over WHEP."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        shop = await signup(client, "shop", "merchant")
        host = await signup(client, "anna", "host")
        rid = (await room(client, shop, host, []))["id"]
    host_context, host_page = await new_page(browser, server)
    viewer_context, viewer_page = await new_page(browser, server)
    try:
        await host_page.goto("/healthz")
        location = await host_page.evaluate(PUBLISH, [f"/api/rooms/{rid}/whip", host.token, codec])
        if location == "unsupported":
            pytest.skip(f"this Chromium cannot send {codec}")
        assert f"/api/rooms/{rid}/whip/" in location
        await viewer_page.goto("/healthz")
        await viewer_page.evaluate(WATCH, f"/api/rooms/{rid}/whep")
        found = await _decoded(viewer_page)
        assert found["codec"] == f"video/{codec}"
        assert found["width"] == 320
    finally:
        await host_context.close()
        await viewer_context.close()
