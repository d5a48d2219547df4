"""A viewer's copy of one of the host's tracks: ``recv()`` hands out encoded packets.

aiortc's ``RTCRtpSender`` packs an ``av.Packet`` instead of encoding it, so a viewer
costs the node packetisation and encryption only. Each track keeps a short buffer:
the room never waits for a viewer, a viewer that falls behind skips frames instead.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from livecommerce.media.frames import EncodedFrame


class RelayTrack(MediaStreamTrack):
    """Encoded frames of one kind for one viewer, starting on a keyframe."""

    def __init__(self, kind: str, *, capacity: int, on_gap: Callable[[], None]) -> None:
        super().__init__()
        self.kind = kind
        self._capacity = capacity
        # Called when video had to be skipped, so the relay asks the host for a
        # keyframe: the frames after a gap reference pictures the viewer never got.
        self._on_gap = on_gap
        self._frames: deque[EncodedFrame] = deque()
        self._ready = asyncio.Event()
        self._finished = False
        self._need_keyframe = kind == "video"
        self.forwarded = 0
        self.skipped = 0

    def push(self, frame: EncodedFrame) -> bool:
        """Offer a frame; return whether the viewer will get it."""
        if self._finished:
            return False
        if len(self._frames) >= self._capacity:
            self._make_room()
        if self._need_keyframe and not frame.keyframe:
            self.skipped += 1
            return False
        self._need_keyframe = False
        self._frames.append(frame)
        self._ready.set()
        return True

    def _make_room(self) -> None:
        if self.kind == "video":
            # Dropping one video frame breaks every frame after it until the next
            # keyframe, so drop the whole backlog and resume on a keyframe.
            self.skipped += len(self._frames)
            self._frames.clear()
            self._need_keyframe = True
            self._on_gap()
        else:
            self.skipped += 1
            self._frames.popleft()

    def finish(self) -> None:
        """The host's stream ended: drain what is buffered, then end the track."""
        self._finished = True
        self._ready.set()

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        while not self._frames:
            if self._finished:
                self.stop()
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        frame = self._frames.popleft()
        self.forwarded += 1
        return frame.packet
