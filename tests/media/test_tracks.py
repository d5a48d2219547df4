import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from livecommerce.media.frames import OPUS, VP8, EncodedFrame, make_frame
from livecommerce.media.tracks import RelayTrack

KEY = b"\x10\x02\x00\x9d\x01\x2a" + bytes(10)
DELTA = b"\x31\x02\x00" + bytes(10)


def vp8(data: bytes, ts: int = 0) -> EncodedFrame:
    return make_frame(VP8, 90000, data, ts)


def video_track(capacity: int = 3) -> tuple[RelayTrack, list[int]]:
    gaps: list[int] = []
    return RelayTrack("video", capacity=capacity, on_gap=lambda: gaps.append(1)), gaps


async def test_video_starts_on_a_keyframe() -> None:
    """Delta frames before the first keyframe are skipped."""
    track, _ = video_track()
    assert not track.push(vp8(DELTA, 1))
    assert track.push(vp8(KEY, 2))
    assert track.push(vp8(DELTA, 3))
    assert [(await track.recv()).pts for _ in range(2)] == [2, 3]
    assert track.skipped == 1


async def test_slow_video_viewer_skips_to_the_next_keyframe() -> None:
    """A full buffer is dropped whole, a keyframe is asked for, and delivery resumes on one."""
    track, gaps = video_track(capacity=2)
    track.push(vp8(KEY, 1))
    track.push(vp8(DELTA, 2))
    assert not track.push(vp8(DELTA, 3))
    assert gaps == [1]
    assert not track.push(vp8(DELTA, 4))
    assert track.push(vp8(KEY, 5))
    assert (await track.recv()).pts == 5


async def test_slow_audio_viewer_drops_the_oldest_frame() -> None:
    """Audio keeps the newest frames when the buffer is full."""
    track = RelayTrack("audio", capacity=2, on_gap=lambda: None)
    for ts in (1, 2, 3):
        assert track.push(make_frame(OPUS, 48000, b"\x01", ts))
    assert [(await track.recv()).pts for _ in range(2)] == [2, 3]


async def test_finish_drains_then_ends() -> None:
    """After the host ends, buffered frames are still delivered, then recv raises."""
    track, _ = video_track()
    track.push(vp8(KEY, 1))
    track.finish()
    assert not track.push(vp8(KEY, 2))
    assert (await track.recv()).pts == 1
    with pytest.raises(MediaStreamError):
        await track.recv()
    assert track.readyState == "ended"


async def test_recv_waits_for_a_frame() -> None:
    """A waiting recv wakes up when a frame is pushed."""
    track, _ = video_track()
    waiter = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    assert not waiter.done()
    track.push(vp8(KEY, 9))
    assert (await asyncio.wait_for(waiter, 1)).pts == 9
