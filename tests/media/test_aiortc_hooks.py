import queue
from types import SimpleNamespace

import pytest
from aiortc import RTCPeerConnection

from livecommerce.media.aiortc_hooks import (
    _DECODER_QUEUE,
    FrameTap,
    redirect_keyframe_requests,
    tap_receiver,
)


class Sink:
    def __init__(self) -> None:
        self.frames: list[tuple[str, bytes, int]] = []
        self.ends = 0

    def on_frame(self, codec: object, data: bytes, timestamp: int) -> None:
        self.frames.append((getattr(codec, "mimeType", ""), data, timestamp))

    def on_end(self) -> None:
        self.ends += 1


def test_tap_hands_frames_to_the_sink_and_queues_nothing() -> None:
    """Encoded frames go to the sink; the decoder thread's queue stays empty."""
    sink = Sink()
    tap = FrameTap(sink)
    codec = SimpleNamespace(mimeType="video/VP8")
    tap.put((codec, SimpleNamespace(data=b"xy", timestamp=3000)))
    assert sink.frames == [("video/VP8", b"xy", 3000)]
    assert tap.qsize() == 0


def test_tap_passes_the_stop_signal_once() -> None:
    """The receiver's stop reaches the decoder thread and the sink hears it once."""
    sink = Sink()
    tap = FrameTap(sink)
    tap.put(None)
    tap.put(None)
    assert tap.get_nowait() is None
    assert sink.ends == 1


async def test_hooks_fit_this_aiortc_version() -> None:
    """The receiver queue and sender keyframe hook the relay relies on exist in aiortc."""
    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video", direction="sendrecv")
        tap_receiver(transceiver.receiver, Sink())
        assert isinstance(getattr(transceiver.receiver, _DECODER_QUEUE), FrameTap)
        asked: list[int] = []
        redirect_keyframe_requests(transceiver.sender, lambda: asked.append(1))
        transceiver.sender._send_keyframe()
        assert asked == [1]
    finally:
        await pc.close()


def test_tapping_something_else_fails_loudly() -> None:
    """An object without the expected decoder queue is refused."""
    with pytest.raises(RuntimeError):
        tap_receiver(SimpleNamespace(), Sink())  # type: ignore[arg-type]
    assert isinstance(FrameTap(Sink()), queue.Queue)
