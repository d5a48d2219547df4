"""Recording from the relayed encoded frames: fMP4 segments that decode, a valid playlist."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import m3u8
import pytest

from livecommerce.media.blobs import LocalBlobStore
from livecommerce.media.recorders import Recordings
from livecommerce.media.recording import NOT_H264, RecordingInfo, list_recordings
from livecommerce.media.relay import RelayNode
from tests.media.conftest import ROOM, Ended, StartHost

pytestmark = pytest.mark.slow


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "media")


@pytest.fixture
def finished() -> list[RecordingInfo]:
    return []


@pytest.fixture
async def node(
    ended: Ended, store: LocalBlobStore, finished: list[RecordingInfo]
) -> AsyncIterator[RelayNode]:
    async def on_ended(info: RecordingInfo) -> None:
        finished.append(info)

    recordings = Recordings(store, on_ended=on_ended)
    relay = RelayNode(max_viewers=4, connect_timeout=15.0, on_stream_ended=ended,
                      recordings=recordings)  # fmt: skip
    yield relay
    await relay.close()


def decoded_seconds(init: bytes, segments: list[bytes]) -> tuple[float, int]:
    """Decode init + segments; the span of the frames' timestamps plus one frame."""
    container = av.open(io.BytesIO(init + b"".join(segments)))
    times = [frame.time for frame in container.decode(video=0)]
    container.close()
    step = (times[-1] - times[0]) / max(len(times) - 1, 1)
    return times[-1] - times[0] + step, len(times)


async def test_an_h264_show_is_recorded_as_segments_that_decode(
    node: RelayNode, start_host: StartHost, store: LocalBlobStore,
    finished: list[RecordingInfo],
) -> None:  # fmt: skip
    host = await start_host(video_codec="video/H264")
    status = node.recording_status(ROOM)
    assert status is not None and status.recording_id is not None and status.reason is None
    began = time.monotonic()
    async with asyncio.timeout(30):
        while node.live_playlist(ROOM) is None:
            await asyncio.sleep(0.2)
    await asyncio.sleep(max(0.0, 12 - (time.monotonic() - began)))
    live = m3u8.loads(node.live_playlist(ROOM) or "")
    assert live.segments and not live.is_endlist
    await node.unpublish(host.resource_id)

    [info] = finished
    prefix = f"recordings/{ROOM}/{info.recording_id}/"
    playlist = m3u8.loads((await store.get(prefix + "index.m3u8") or b"").decode())
    assert playlist.is_endlist and playlist.playlist_type == "event"
    assert playlist.segment_map and playlist.segment_map[0].uri == "init.mp4"
    assert playlist.target_duration >= max(s.duration for s in playlist.segments)
    assert playlist.segments[0].current_program_date_time == info.media_origin
    listed = sum(s.duration for s in playlist.segments)
    assert len(playlist.segments) >= 4

    init = await store.get(prefix + "init.mp4")
    assert init is not None
    blobs = [await store.get(prefix + s.uri) for s in playlist.segments]
    seconds, frames = decoded_seconds(init, [b for b in blobs if b is not None])
    assert abs(seconds - listed) < 1.0
    assert abs(info.duration - listed) < 0.01
    assert frames > 20 * seconds  # ~30 fps, nothing lost
    # Each segment starts on a keyframe: it decodes on its own after the init segment.
    for blob in blobs[1:3]:
        alone, _ = decoded_seconds(init, [blob or b""])
        assert alone > 1.0
    assert [r.recording_id for r in await list_recordings(store, ROOM)] == [info.recording_id]


async def test_a_vp8_host_is_relayed_but_says_why_it_is_not_recorded(
    node: RelayNode, start_host: StartHost, store: LocalBlobStore
) -> None:
    await start_host(video_codec="video/VP8")
    status = node.recording_status(ROOM)
    assert status is not None and status.recording_id is None and status.reason == NOT_H264
    assert node.live_playlist(ROOM) is None
    assert await store.keys("recordings/") == []
