"""HLS egress from a real node: the live playlist and segments over HTTP with their cache
headers, hls.js in Chromium playing it when WHEP is full or on ``?hls=1``, and a node
killed mid-show leaving a recording that plays up to its last complete segment."""

from __future__ import annotations

import asyncio
import io
import signal
from pathlib import Path
from typing import Any

import av
import httpx
import m3u8
import pytest
from playwright.async_api import Browser, Page

from livecommerce.media.client import MediaSession, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests.servers import Server, start_server
from tests.web.conftest import new_page, shot
from tests.web.frames import frame_probe, playing
from tests.web.test_browser_room import make_show

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]

FRAME = frame_probe("video")


@pytest.fixture
def full_node(server_env: dict[str, str], tmp_path: Path) -> Any:
    """A node whose WebRTC tier is full from the start: every WHEP offer gets 503."""
    node = start_server({**server_env, "LIVECOMMERCE_MEDIA_MAX_VIEWERS": "0"}, tmp_path)
    yield node
    node.stop()


async def go_live_h264(server: Server) -> tuple[int, MediaSession]:
    show = await make_show(server, live=True)
    room_id: int = show.room["id"]
    tracks = [PatternVideoTrack(320, 240), ToneAudioTrack()]
    client = httpx.AsyncClient(timeout=30.0)
    whip = f"{server.url}/api/rooms/{room_id}/whip"
    host = await whip_publish(
        whip, show.host_token, tracks, client=client, video_codec="video/H264"
    )
    host.owns_client = True
    return room_id, host


async def live_playlist(api: httpx.AsyncClient, room_id: int, segments: int) -> httpx.Response:
    async with asyncio.timeout(40):
        while True:
            answer = await api.get(f"/media/hls/{room_id}/live.m3u8")
            if answer.status_code == 200 and answer.text.count("#EXTINF") >= segments:
                return answer
            await asyncio.sleep(0.5)


async def played(page: Page) -> dict[str, Any]:
    """The picture once it plays: its clock moved on by a second, and it is not black."""
    return await playing(page, FRAME, seconds=40)


@pytest.mark.browser
async def test_viewers_beyond_the_webrtc_cap_play_the_live_hls(
    browser: Browser, full_node: Server
) -> None:
    room_id, host = await go_live_h264(full_node)
    try:
        async with httpx.AsyncClient(base_url=full_node.url) as api:
            answer = await live_playlist(api, room_id, 2)
            assert answer.headers["cache-control"] == "public, max-age=1"
            playlist = m3u8.loads(answer.text, uri=str(answer.url))
            assert playlist.version == 7 and not playlist.is_endlist
            assert playlist.segment_map[0].uri.endswith("/init.mp4")
            # Every segment is dated; the m3u8 package reads the parts of the one in
            # progress (LL-HLS) as a last segment without a URI, and drops its date.
            complete = [s for s in playlist.segments if s.uri]
            assert complete and all(s.program_date_time is not None for s in complete)
            segment = await api.get(playlist.segments[0].absolute_uri)
            assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
            status = (await api.get(f"/api/rooms/{room_id}/recording")).json()
            assert status["recording"] is True and status["reason"] is None
        context, page = await new_page(browser, full_node)
        await page.goto(f"/rooms/{room_id}")
        seen = await played(page)
        await shot(page, "hls-fallback-viewer")
        assert seen["transport"] == "hls" and seen["width"] == 320
        assert seen["mean"] > 30 and seen["max"] > 100, seen  # the pattern, not black
        await context.close()
    finally:
        await host.close()


async def audio_decoded(page: Page) -> int:
    """Bytes of audio Chromium has decoded for the video element, once there are some."""
    script = '() => document.getElementById("video").webkitAudioDecodedByteCount'
    handle = await page.wait_for_function(script, timeout=20_000)
    return int(await handle.json_value())


@pytest.mark.browser
async def test_hls_on_request_plays_the_picture_and_the_hosts_sound(
    browser: Browser, server: Server
) -> None:
    room_id, host = await go_live_h264(server)
    try:
        async with httpx.AsyncClient(base_url=server.url) as api:
            await live_playlist(api, room_id, 1)
        context, page = await new_page(browser, server)
        await page.goto(f"/rooms/{room_id}?hls=1")
        seen = await played(page)
        assert seen["transport"] == "hls" and seen["mean"] > 30, seen
        assert await audio_decoded(page) > 1000  # the AAC track, as the host's Opus
        await context.close()
    finally:
        await host.close()


async def test_a_node_killed_mid_show_leaves_a_playable_recording(
    server: Server, server_env: dict[str, str]
) -> None:
    room_id, host = await go_live_h264(server)
    try:
        async with httpx.AsyncClient(base_url=server.url) as api:
            await live_playlist(api, room_id, 3)
            recording_id = (await api.get(f"/api/rooms/{room_id}/recording")).json()["recording_id"]
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
    finally:
        await host.close()
    folder = Path(server_env["LIVECOMMERCE_DATA_DIR"]) / "media/recordings" / str(room_id)
    folder = folder / recording_id
    playlist = m3u8.loads((folder / "index.m3u8").read_text())
    assert not playlist.is_endlist and len(playlist.segments) >= 3
    data = (folder / "init.mp4").read_bytes()
    data += b"".join((folder / s.uri).read_bytes() for s in playlist.segments)
    with av.open(io.BytesIO(data), "r") as container:
        times = [frame.time for frame in container.decode(video=0)]
    listed = sum(s.duration for s in playlist.segments)
    assert abs(times[-1] - times[0] - listed) < 1.0
