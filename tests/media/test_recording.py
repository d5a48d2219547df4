"""Recording from the relayed encoded frames: fMP4 segments that decode, a valid playlist."""

from __future__ import annotations

import asyncio
import io
import math
import struct
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
    container = av.open(io.BytesIO(init + b"".join(segments)), "r")
    times = [frame.time for frame in container.decode(video=0)]
    container.close()
    step = (times[-1] - times[0]) / max(len(times) - 1, 1)
    return times[-1] - times[0] + step, len(times)


def decoded_audio(init: bytes, segments: list[bytes]) -> tuple[float, float, float]:
    """Decode the AAC track: (when its audio starts, seconds of samples, RMS of channel 0).

    The muxer moves a track's first sample to time 0 and stretches it, so the audio
    starts one frame before the second frame."""
    container = av.open(io.BytesIO(init + b"".join(segments)), "r")
    assert container.streams.audio[0].codec_context.name == "aac"
    frames = list(container.decode(audio=0))
    container.close()
    samples = [
        value
        for frame in frames
        for value in struct.unpack(
            f"<{frame.samples}f", bytes(frame.planes[0])[: 4 * frame.samples]
        )
    ]
    rms = math.sqrt(sum(v * v for v in samples) / len(samples))
    start = (frames[1].time or 0.0) - frames[0].samples / frames[0].sample_rate
    return start, len(samples) / frames[0].sample_rate, rms


async def recorded(
    node: RelayNode, host_id: str, store: LocalBlobStore, finished: list[RecordingInfo],
    seconds: float,
) -> tuple[RecordingInfo, m3u8.M3U8, bytes, list[bytes]]:  # fmt: skip
    """Record ``seconds`` of the host, end the show: (recording, playlist, init, segments)."""
    began = time.monotonic()
    for _ in range(150):  # the first segment, within 30 s
        if node.live_playlist(ROOM) is not None:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - began)))
    await node.unpublish(host_id)
    [info] = finished
    prefix = f"recordings/{ROOM}/{info.recording_id}/"
    playlist = m3u8.loads((await store.get(prefix + "index.m3u8") or b"").decode())
    init = await store.get(prefix + "init.mp4") or b""
    blobs = [await store.get(prefix + s.uri) or b"" for s in playlist.segments]
    return info, playlist, init, blobs


async def test_the_hosts_opus_is_recorded_as_aac_in_the_same_segments(
    node: RelayNode, start_host: StartHost, store: LocalBlobStore,
    finished: list[RecordingInfo],
) -> None:  # fmt: skip
    host = await start_host(video_codec="video/H264")
    info, playlist, init, blobs = await recorded(node, host.resource_id, store, finished, 12)
    assert info.audio
    assert playlist.is_endlist and len(playlist.segments) >= 3
    master = await store.get(f"recordings/{ROOM}/{info.recording_id}/master.m3u8")
    [variant] = m3u8.loads((master or b"").decode()).playlists
    assert variant.uri == "index.m3u8" and variant.stream_info.resolution == (160, 120)
    assert variant.stream_info.codecs == info.codecs
    assert info.codecs.startswith("avc1.42") and info.codecs.endswith(",mp4a.40.2")
    listed = sum(s.duration for s in playlist.segments)
    video_seconds, _ = decoded_seconds(init, blobs)
    assert abs(video_seconds - listed) < 1.0
    start, seconds, rms = decoded_audio(init, blobs)
    assert abs(seconds - listed) < 1.0
    assert start < 0.5  # the tone plays from the first video frame on
    assert rms > 0.02  # the host's tone (peak 3000/32768, so RMS ~0.065), not silence
    # A segment alone (after the init segment) carries its own span of audio.
    _, alone, _ = decoded_audio(init, blobs[1:2])
    assert abs(alone - playlist.segments[1].duration) < 0.2


async def test_a_host_without_audio_is_recorded_video_only(
    node: RelayNode, start_host: StartHost, store: LocalBlobStore,
    finished: list[RecordingInfo],
) -> None:  # fmt: skip
    host = await start_host(video_codec="video/H264", audio=False)
    info, playlist, init, blobs = await recorded(node, host.resource_id, store, finished, 5)
    assert not info.audio
    assert info.codecs.startswith("avc1.") and "mp4a" not in info.codecs
    container = av.open(io.BytesIO(init + b"".join(blobs)), "r")
    assert [s.type for s in container.streams] == ["video"]
    container.close()
    seconds, _ = decoded_seconds(init, blobs)
    assert abs(seconds - sum(s.duration for s in playlist.segments)) < 1.0


async def test_an_h264_show_is_recorded_as_segments_that_decode(
    node: RelayNode, start_host: StartHost, store: LocalBlobStore,
    finished: list[RecordingInfo],
) -> None:  # fmt: skip
    host = await start_host(video_codec="video/H264")
    status = node.recording_status(ROOM)
    assert status is not None and status.recording_id is not None and status.reason is None
    began = time.monotonic()
    for _ in range(150):  # the first segment, within 30 s
        if node.live_playlist(ROOM) is not None:
            break
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
    # RFC 8216 4.3.3.1: every EXTINF, rounded to the nearest integer, within the target.
    assert playlist.target_duration >= max(round(s.duration) for s in playlist.segments)
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
