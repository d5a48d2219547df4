"""A synthetic host: moving colour bars with a clock, and a tone.

Used by the demo (a room that is live without a camera), the tests and the load
generator. aiortc encodes these frames exactly as it would a camera's.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import struct
import time
from datetime import UTC, datetime

import av
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

from livecommerce.media.canvas import WHITE, Canvas

_SAMPLE_RATE = 48000
_FRAME_SAMPLES = 960  # 20 ms, one Opus frame


class PatternVideoTrack(VideoStreamTrack):
    """Colour bars scrolling sideways, a bouncing square and the UTC time."""

    def __init__(self, width: int = 640, height: int = 360) -> None:
        super().__init__()
        self._canvas = Canvas(width, height)
        self._index = 0

    @property
    def frames_sent(self) -> int:
        return self._index

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = self.draw(self._index)
        frame.pts = pts
        frame.time_base = time_base
        self._index += 1
        return frame

    def draw(self, index: int) -> av.VideoFrame:
        """The picture for frame ``index`` (the clock shows the current time)."""
        canvas = self._canvas
        canvas.scrolling_bars(index * 4)
        size = canvas.height // 6
        x = int((canvas.width - size) * (0.5 + 0.5 * math.sin(index / 20)))
        y = int((canvas.height - size) * (0.5 + 0.5 * math.cos(index / 31)))
        canvas.rect(x, y, size, size, WHITE)
        now = datetime.now(UTC).strftime("%H:%M:%S")
        canvas.text(now, x=8, y=8, scale=max(canvas.height // 60, 1))
        return canvas.to_frame()


class ToneAudioTrack(AudioStreamTrack):
    """A quiet sine tone, paced in real time, one 20 ms frame at a time."""

    def __init__(self, frequency: int = 440) -> None:
        super().__init__()
        # One second of a whole number of cycles loops without a click.
        samples = (
            round(3000 * math.sin(2 * math.pi * frequency * i / _SAMPLE_RATE))
            for i in range(_SAMPLE_RATE)
        )
        self._second = struct.pack(f"<{_SAMPLE_RATE}h", *samples)
        self._sent = 0
        self._started = 0.0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._sent == 0:
            self._started = time.monotonic()
        else:
            await asyncio.sleep(self._started + self._sent / _SAMPLE_RATE - time.monotonic())
        start = 2 * (self._sent % _SAMPLE_RATE)
        frame = av.AudioFrame(format="s16", layout="mono", samples=_FRAME_SAMPLES)
        frame.planes[0].update(self._second[start : start + 2 * _FRAME_SAMPLES])
        frame.pts = self._sent
        frame.sample_rate = _SAMPLE_RATE
        frame.time_base = fractions.Fraction(1, _SAMPLE_RATE)
        self._sent += _FRAME_SAMPLES
        return frame
