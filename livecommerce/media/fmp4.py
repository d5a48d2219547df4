"""Encoded H.264 frames into fragmented MP4 (CMAF-style) with PyAV's muxer, no decode.

The muxer writes ``ftyp+moov`` once (the HLS init segment), then one ``moof+mdat``
fragment per keyframe at least ``segment_seconds`` after the previous cut. A fragment is
written out when the keyframe that ends it arrives, so each segment handed on is complete.
"""

from __future__ import annotations

import fractions
import io
import struct
from dataclasses import dataclass
from typing import Any

import av

from livecommerce.media import h264

CLOCK = 90000  # the RTP clock of video, kept as the MP4 timescale
_TIME_BASE = fractions.Fraction(1, CLOCK)
_WRAP = 1 << 32


@dataclass(frozen=True, slots=True)
class Segment:
    data: bytes
    start: float
    """Seconds from the first recorded frame."""
    duration: float


class _Boxes(io.RawIOBase):
    """The muxer's output, cut into complete top-level boxes."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        self.boxes: list[tuple[bytes, bytes]] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._pending += data
        while len(self._pending) >= 8:
            size, kind = struct.unpack(">I4s", self._pending[:8])
            if size < 8 or len(self._pending) < size:
                break
            self.boxes.append((kind, bytes(self._pending[:size])))
            del self._pending[:size]
        return len(data)


class Fmp4Segmenter:
    """Feed it the host's video access units; collect the init segment and segments."""

    def __init__(self, *, segment_seconds: float = 2.0) -> None:
        self._segment_seconds = segment_seconds
        self._out = _Boxes()
        self._container: Any = None
        self._stream: Any = None
        self._first_ts: int | None = None
        self._last_pts = 0
        self._frame_gap = CLOCK // 30
        self._fragment_start = 0
        self._frames = 0
        self.init: bytes | None = None
        self.closed = False

    @property
    def started(self) -> bool:
        return self._container is not None

    def feed(self, data: bytes, timestamp: int, keyframe: bool) -> list[Segment]:
        """Mux one access unit (RTP timestamp); return the segments it completed."""
        if self.closed:
            return []
        if self._container is None:
            if not keyframe or not self._open(data):
                return []  # a recording starts on a keyframe with its SPS and PPS
            self._first_ts = timestamp
        assert self._first_ts is not None
        pts = (timestamp - self._first_ts) % _WRAP
        if pts <= self._last_pts and self._frames:
            return []  # a repeated or reordered timestamp: the muxer would refuse it
        if pts > self._last_pts:
            self._frame_gap = min(pts - self._last_pts, CLOCK)
        packet = av.Packet(data)
        packet.pts = packet.dts = pts
        packet.time_base = _TIME_BASE
        packet.stream = self._stream
        packet.is_keyframe = keyframe
        self._container.mux(packet)
        self._frames += 1
        self._last_pts = pts
        return self._collect(next_start=pts)

    def close(self) -> list[Segment]:
        """Flush the last fragment (it ends one frame after the last frame)."""
        if self.closed or self._container is None:
            self.closed = True
            return []
        self.closed = True
        self._container.close()
        return self._collect(next_start=self._last_pts + self._frame_gap)

    def _open(self, data: bytes) -> bool:
        extradata = h264.parameter_sets(data)
        size = h264.picture_size(data)
        if extradata is None or size is None:
            return False
        options = {
            "movflags": "frag_keyframe+empty_moov+default_base_moof+skip_trailer",
            "min_frag_duration": str(int(self._segment_seconds * 1_000_000)),
        }
        self._container = av.open(self._out, "w", format="mp4", options=options)
        stream = self._container.add_stream("h264")
        stream.width, stream.height = size
        stream.time_base = _TIME_BASE
        stream.codec_context.extradata = extradata
        self._stream = stream
        self._container.start_encoding()
        return True

    def _collect(self, *, next_start: int) -> list[Segment]:
        segments: list[Segment] = []
        boxes = self._out.boxes
        while boxes:
            kind, data = boxes[0]
            if kind in (b"ftyp", b"moov"):
                self.init = (self.init or b"") + data
                boxes.pop(0)
            elif kind == b"moof" and len(boxes) >= 2 and boxes[1][0] == b"mdat":
                segment = data + boxes[1][1]
                del boxes[:2]
                start = self._fragment_start
                segments.append(Segment(segment, start / CLOCK, max(next_start - start, 1) / CLOCK))
                self._fragment_start = next_start
            elif kind == b"moof":
                break  # its mdat is still to come
            else:
                boxes.pop(0)  # mfra and the like: not part of any segment
        return segments
