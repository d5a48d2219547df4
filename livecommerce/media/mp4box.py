"""The little of ISO BMFF the recorder reads back: top-level boxes, and a fragment's times.

The muxer interleaves audio and video, so a fragment comes out a little after the
keyframe that ended it; its start and length are read from its own ``moof``
(ISO/IEC 14496-12 8.8) rather than guessed from the frame that pushed it out.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any


class BoxWriter(io.RawIOBase):
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


def children(data: bytes, start: int = 8) -> Iterator[tuple[bytes, bytes]]:
    """The boxes inside a box (``start`` skips its header), each as (type, payload)."""
    pos = start
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size < 8:
            return
        yield kind, data[pos + 8 : pos + size]
        pos += size


def track_times(moof: bytes) -> dict[int, tuple[int, int]]:
    """Per track ID in a fragment: (decode time of its first sample, total duration)."""
    times: dict[int, tuple[int, int]] = {}
    for kind, traf in children(moof):
        if kind != b"traf":
            continue
        track, default_duration, base, duration = 0, 0, 0, 0
        for inner, body in children(traf, 0):
            if inner == b"tfhd":
                track, default_duration = _tfhd(body)
            elif inner == b"tfdt":
                base = struct.unpack_from(">Q" if body[0] == 1 else ">I", body, 4)[0]
            elif inner == b"trun":
                duration += _trun_duration(body, default_duration)
        times[track] = (base, duration)
    return times


def _tfhd(body: bytes) -> tuple[int, int]:
    flags = int.from_bytes(body[1:4], "big")
    track = struct.unpack_from(">I", body, 4)[0]
    pos = 8 + (8 if flags & 0x01 else 0) + (4 if flags & 0x02 else 0)
    duration = struct.unpack_from(">I", body, pos)[0] if flags & 0x08 else 0
    return track, duration


def _trun_duration(body: bytes, default_duration: int) -> int:
    flags = int.from_bytes(body[1:4], "big")
    count: int = struct.unpack_from(">I", body, 4)[0]
    if not flags & 0x100:
        return count * default_duration
    pos = 8 + (4 if flags & 0x01 else 0) + (4 if flags & 0x04 else 0)
    stride = 4 * bin(flags & 0xF00).count("1")
    return sum(int(struct.unpack_from(">I", body, pos + i * stride)[0]) for i in range(count))
