"""What the hub writes to: a sink with a bounded buffer, and the close codes it uses.

The hub never awaits a socket. It offers the same frame to every sink of a room; a sink
either takes it at once or says it is full, and a full sink is closed with
:data:`CLOSE_RESUME` so the client reconnects with ``?since=SEQ`` (and gets a replay or
a snapshot). The room never waits for its slowest viewer (websockets' ``broadcast()``
policy, with a bound broadcaster's queues lack).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

# 4008: "you fell behind; reconnect with ?since=<last seq you applied>". Chosen in the
# application range (4000-4999) next to 1008 (policy violation) to be easy to recognise.
CLOSE_RESUME = 4008
# 4403: the user was banned from the room (same code a refused join gets: forbidden).
CLOSE_BANNED = 4403
# 4009: the node is shutting down; reconnect (a load balancer sends you elsewhere).
CLOSE_GOING_AWAY = 4009


class Sink(Protocol):
    """One viewer's connection as the hub sees it."""

    def offer(self, frame: bytes) -> bool:
        """Queue ``frame`` without blocking; False when the buffer is full or closed."""
        ...

    def close(self, code: int, reason: str) -> None:
        """Ask the connection to close; must not block."""
        ...


class Outbox:
    """A bounded frame buffer drained by one writer task per connection.

    Bounded by bytes and by frames: bytes bound memory, frames bound the latency a
    viewer can build up before being told to resume.
    """

    def __init__(self, *, max_bytes: int = 1 << 20, max_frames: int = 256) -> None:
        self._frames: deque[bytes] = deque()
        self._size = 0
        self._max_bytes = max_bytes
        self._max_frames = max_frames
        self._wakeup = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    def offer(self, frame: bytes) -> bool:
        if self.closed:
            return False
        full = len(self._frames) >= self._max_frames or self._size + len(frame) > self._max_bytes
        # A single frame bigger than the whole bound still gets through an empty buffer,
        # otherwise a large snapshot could never be sent.
        if full and self._frames:
            return False
        self._frames.append(frame)
        self._size += len(frame)
        self._wakeup.set()
        return True

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued, except for a resume: those are dropped
        because the client will fetch them again anyway."""
        if self.closed:
            return
        self.close_code, self.close_reason = code, reason
        if code == CLOSE_RESUME:
            self._frames.clear()
            self._size = 0
        self._wakeup.set()

    async def next_frame(self) -> bytes | None:
        """The next frame to write, or None once the outbox is closed and drained."""
        while not self._frames:
            if self.closed:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        frame = self._frames.popleft()
        self._size -= len(frame)
        return frame

    def __len__(self) -> int:
        return len(self._frames)
