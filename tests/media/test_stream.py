import asyncio
import queue
from types import SimpleNamespace

from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from livecommerce.media.frames import VP8, make_frame
from livecommerce.media.node import MediaStats
from livecommerce.media.stream import HostStream

VP8_CODEC = RTCRtpCodecCapability(mimeType="video/VP8", clockRate=90000)
KEY = b"\x10\x02\x00\x9d\x01\x2a" + bytes(10)


class FakeReceiver:
    """Just enough of RTCRtpReceiver for the tap and keyframe requests."""

    def __init__(self) -> None:
        self._RTCRtpReceiver__decoder_queue: queue.Queue[object] = queue.Queue()
        self.plis: list[int] = []

    def getSynchronizationSources(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(source=1234)]

    async def _send_rtcp_pli(self, ssrc: int) -> None:
        self.plis.append(ssrc)


def make_stream(interval: float) -> tuple[HostStream, FakeReceiver, list[HostStream], MediaStats]:
    tasks: set[asyncio.Task[None]] = set()
    ended: list[HostStream] = []
    stats = MediaStats()
    stream = HostStream(
        1,
        stats=stats,
        spawn=lambda coro: tasks.add(asyncio.ensure_future(coro)),
        on_end=ended.append,
        keyframe_interval=interval,
        track_capacity={"video": 4, "audio": 4},
    )
    receiver = FakeReceiver()
    stream.add_source("video", receiver, VP8_CODEC)  # type: ignore[arg-type]
    return stream, receiver, ended, stats


async def test_keyframe_requests_are_rate_limited_but_not_lost() -> None:
    """A burst of requests sends one PLI now and one deferred PLI at the end of the interval."""
    stream, receiver, _, stats = make_stream(interval=0.2)
    for _ in range(5):
        stream.request_keyframe()
    await asyncio.sleep(0.5)
    assert receiver.plis == [1234, 1234]
    assert stats.keyframe_requests == 2


async def test_frames_reach_every_subscriber() -> None:
    """One host frame is offered to each viewer track of its kind."""
    stream, _, _, stats = make_stream(interval=1.0)
    tracks = [stream.subscribe("video") for _ in range(3)]
    stream.forward("video", make_frame(VP8, 90000, KEY, 0))
    assert [t.forwarded for t in tracks] == [0, 0, 0]
    assert [(await t.recv()).pts for t in tracks] == [0, 0, 0]
    assert stats.frames_forwarded == 3


async def test_source_end_finishes_tracks_and_reports_once() -> None:
    """When a host receiver stops, viewer tracks finish and the owner is told once."""
    stream, receiver, ended, _ = make_stream(interval=1.0)
    track = stream.subscribe("video")
    receiver._RTCRtpReceiver__decoder_queue.put(None)
    receiver._RTCRtpReceiver__decoder_queue.put(None)
    assert ended == [stream]
    assert stream.ended
    assert stream.subscribe("video") is not track
    assert not track.push(make_frame(VP8, 90000, KEY, 0))
