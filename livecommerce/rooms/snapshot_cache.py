"""Room snapshots shared by every viewer joining at the same seq.

When a show starts, thousands of viewers join within seconds; building a snapshot each
(several database reads) serialises them behind the database. Snapshots are keyed by the
room's seq, so a cached one is exactly what a fresh build would say about every sequenced
fact; viewers, likes and the server time are filled in per join. Builds for the same seq
are shared while in flight. The short TTL bounds staleness of what changes without an
event (a merchant editing a product's text).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Snapshot = Mapping[str, Any]
TTL_SECONDS = 1.0


class SnapshotCache:
    def __init__(self, *, ttl: float = TTL_SECONDS, max_rooms: int = 10_000) -> None:
        self._ttl = ttl
        self._max_rooms = max_rooms
        self._entries: dict[int, tuple[int, float, asyncio.Future[Snapshot]]] = {}

    async def get(
        self, room_id: int, seq: int, build: Callable[[], Awaitable[Snapshot]]
    ) -> Snapshot:
        now = time.monotonic()
        entry = self._entries.get(room_id)
        if entry is not None and entry[0] == seq and now - entry[1] < self._ttl:
            return await asyncio.shield(entry[2])
        if len(self._entries) >= self._max_rooms:
            self._entries.clear()
        future = asyncio.ensure_future(build())
        self._entries[room_id] = (seq, now, future)
        try:
            return await asyncio.shield(future)
        except BaseException:
            if self._entries.get(room_id, (0, 0.0, None))[2] is future:
                del self._entries[room_id]  # never serve a failed build
            raise
