"""A pre-encoded H.264 test-pattern clip, looped by a publisher that never encodes.

On a box shared with other work, an aiortc publisher encoding 720p30 in real time fell to
3 fps, and a node fed 3 fps costs a tenth of what a real show costs it. So the clip is
encoded once, as aiortc's own H264 encoder would (libx264, Baseline, level 3.1,
zerolatency, one keyframe a second so segments cut on time), and the publisher sends
its packets at 30 fps through aiortc's pre-encoded path (``RTCRtpSender`` packs an
``av.Packet`` without encoding it).
"""

from __future__ import annotations

import asyncio
import fractions
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

import av
from aiortc.mediastreams import VIDEO_CLOCK_RATE, VIDEO_TIME_BASE, MediaStreamTrack

from livecommerce.media.testpattern import PatternVideoTrack

FPS = 30
_TICKS = VIDEO_CLOCK_RATE // FPS
STALL = 0.5  # seconds


def encode_clip(size: tuple[int, int], seconds: int, bitrate: int) -> Path:
    """A file of the clip's packets (length-prefixed Annex B access units), cached in /tmp."""
    width, height = size
    path = Path(tempfile.gettempdir(), f"bench-clip-{width}x{height}-{seconds}s-{bitrate}.h264")
    if path.exists():
        return path
    pattern = PatternVideoTrack(width, height)
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate, codec.gop_size = bitrate, FPS
    codec.framerate, codec.time_base = fractions.Fraction(FPS, 1), fractions.Fraction(1, FPS)
    # aiortc's options, plus a preset that keeps this one-off encode short on a busy box.
    codec.options = {"level": "31", "tune": "zerolatency", "preset": "veryfast"}
    codec.profile = "Baseline"
    chunks = []
    for index in range(seconds * FPS):
        frame = pattern.draw(index).reformat(format="yuv420p")
        frame.pts = index
        chunks += [bytes(packet) for packet in codec.encode(frame)]
    chunks += [bytes(packet) for packet in codec.encode(None)]
    partial = path.with_suffix(".part")
    partial.write_bytes(b"".join(struct.pack(">I", len(c)) + c for c in chunks))
    partial.rename(path)
    return path


def read_clip(path: Path) -> list[bytes]:
    data, packets, at = path.read_bytes(), [], 0
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at)
        packets.append(data[at + 4 : at + 4 + length])
        at += 4 + length
    return packets


class ClipTrack(MediaStreamTrack):
    """The clip's packets at a steady 30 fps, looping; after a stall of more than
    ``STALL`` it drops frames, as a camera would, rather than bursting to catch up."""

    kind = "video"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._packets = read_clip(path)
        self._index = 0  # frames of the clock so far, sent or skipped
        self.frames_sent = 0
        self._start = 0.0

    async def recv(self) -> av.Packet[Any]:
        now = time.monotonic()
        if self._index == 0:
            self._start = now
        if now - (self._start + self._index / FPS) > STALL:
            # P-frames cannot be skipped, so a long stall resumes at the next keyframe;
            # a short one (a busy event loop) catches up by sending the late frames.
            self._index = -(-int((now - self._start) * FPS) // FPS) * FPS
        await asyncio.sleep(max(0.0, self._start + self._index / FPS - now))
        self.frames_sent += 1
        packet = av.Packet(self._packets[self._index % len(self._packets)])
        packet.pts = self._index * _TICKS
        packet.time_base = VIDEO_TIME_BASE
        self._index += 1
        return packet
