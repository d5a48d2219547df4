"""The EXT-X-DATERANGE spans (pins, deals) of each room's playlists, read once per moment.

Every live playlist request wants them, and an LL-HLS player asks for a playlist per
part (a few a second, each viewer behind a cache that misses once per part URL). Reading
the show log that often costs a query per request; the lines are kept here instead, read
again once they are a second old (another node may have logged a pin) or at once when
this node's show log writes a pin or a deal of the room. Concurrent requests for a room
share one read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from livecommerce.rooms import events
from livecommerce.rooms.replays import DEAL_CLOSE, DEAL_OPEN, PIN, UNPIN

SPAN_TYPES = frozenset({PIN, UNPIN, DEAL_OPEN, *DEAL_CLOSE, events.RoomEnded.type})
FRESH_SECONDS = 1.0
_MAX_ROOMS = 10_000  # past this many, forget them all: re-reading is cheap, memory is not

Loader = Callable[[int], Awaitable[list[str]]]


class SpanCache:
    def __init__(self, load: Loader, *, fresh: float = FRESH_SECONDS) -> None:
        self._load = load
        self._fresh = fresh
        self._lines: dict[int, tuple[float, list[str]]] = {}
        self._reading: dict[int, asyncio.Task[list[str]]] = {}
        self._outdated: set[int] = set()  # rooms whose read in flight began before a write

    async def get(self, room_id: int) -> list[str]:
        """The room's daterange lines, at most ``fresh`` seconds behind the show log."""
        kept = self._lines.get(room_id)
        if kept is not None and time.monotonic() - kept[0] < self._fresh:
            return kept[1]
        task = self._reading.get(room_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._read(room_id))
            self._reading[room_id] = task
        # Shielded: one caller hanging up must not cancel the read the others await.
        return await asyncio.shield(task)

    async def _read(self, room_id: int) -> list[str]:
        began = time.monotonic()
        try:
            lines = await self._load(room_id)
        finally:
            del self._reading[room_id]
        if room_id in self._outdated:
            self._outdated.discard(room_id)
            return lines
        if len(self._lines) >= _MAX_ROOMS:
            self._lines.clear()
        self._lines[room_id] = (began, lines)
        return lines

    def forget(self, room_id: int) -> None:
        self._lines.pop(room_id, None)
        if room_id in self._reading:
            self._outdated.add(room_id)

    def written(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """The show log wrote ``rows``: rooms with a new pin or deal read theirs again."""
        for row in rows:
            if row["type"] in SPAN_TYPES:
                self.forget(row["room_id"])
