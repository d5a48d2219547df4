"""The show's media clock, per room, held in memory by every node's hub.

An event that starts or stops a room's clock (``stream.started``, ``room.ended``)
carries it in its envelope (:class:`~livecommerce.events.delivery.Clock`); every node
hearing the room's events keeps the origin, and the hub stamps each event it appends
with ``media_t = at - origin`` from memory, with no I/O on the fan-out path.

A node may append to a room it has no sockets in (a pin or an order that reached it
through the load balancer), and then did not hear the clock event. In the scaled shape
it reads the origin from Redis once and keeps it for :data:`LOADED_TTL` seconds, so its
stamps lag a clock change by at most that; the embedded shape has one process, which
hears everything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livecommerce.events.delivery import Clock
from livecommerce.storage.keys import Keys

LOADED_TTL = 5.0


def epoch_of(iso: str | None) -> float | None:
    if iso is None:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class ClockStore(Protocol):
    async def save(self, room_id: int, clock: Clock) -> None: ...

    async def load(self, room_id: int) -> float | None: ...


class RedisClockStore:
    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: float) -> None:
        self._redis, self._keys, self._ttl_ms = redis, keys, int(ttl_seconds * 1000)

    async def save(self, room_id: int, clock: Clock) -> None:
        key = self._keys.room_media_origin(room_id)
        if clock.origin is None:
            await self._redis.delete(key)
        else:
            await self._redis.set(key, clock.origin, px=self._ttl_ms)

    async def load(self, room_id: int) -> float | None:
        raw = await self._redis.get(self._keys.room_media_origin(room_id))
        return epoch_of(raw.decode() if isinstance(raw, bytes) else raw)


class MediaClock:
    def __init__(
        self, store: ClockStore | None, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._monotonic = monotonic
        # room -> (origin epoch or None, monotonic expiry; inf for a heard clock).
        self._origins: dict[int, tuple[float | None, float]] = {}

    def heard(self, room_id: int, clock: Clock) -> None:
        """A clock event of the room passed through this node."""
        self._origins[room_id] = (epoch_of(clock.origin), float("inf"))

    async def publish(self, room_id: int, clock: Clock) -> None:
        """This node is appending a clock event: remember it, and tell the other nodes'
        cold lookups."""
        self.heard(room_id, clock)
        if self._store is not None:
            await self._store.save(room_id, clock)

    def forget(self, room_id: int) -> None:
        """The node stopped hearing the room: what it knows may go stale (unless it is
        the only node, which hears every room)."""
        if self._store is not None:
            self._origins.pop(room_id, None)

    async def media_t(self, room_id: int, epoch: float) -> float | None:
        """Seconds from the room's media origin to ``epoch``; None when no clock runs."""
        origin = await self._origin(room_id)
        return None if origin is None else round(max(0.0, epoch - origin), 3)

    async def _origin(self, room_id: int) -> float | None:
        known = self._origins.get(room_id)
        now = self._monotonic()
        if known is not None and known[1] > now:
            return known[0]
        if self._store is None:
            return None
        try:
            origin = await self._store.load(room_id)
        except (RedisError, OSError):
            origin = known[0] if known is not None else None
        self._origins[room_id] = (origin, now + LOADED_TTL)
        return origin
