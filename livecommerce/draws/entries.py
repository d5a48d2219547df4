"""Where a draw's entries gather while it is open: keyword senders, watch time, presence.

Nothing here touches the database: chat is the hot path, and an entry costs a set
insert in memory, flushed in batches (one SADD per room per flush in the scaled shape).
The in-memory store is the embedded shape; :class:`RedisEntries` keys everything with
the room's hash tag, so one draw's three keys share a Cluster slot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis

from livecommerce.storage.keys import Keys

KEEP_SECONDS = 3600
"""How long a draw's keys outlive their last write (the close reads them at once)."""


@dataclass(frozen=True, slots=True)
class DrawRef:
    room_id: int
    draw_id: int


@dataclass(slots=True)
class Gathered:
    keyword: set[int] = field(default_factory=set)
    watched: dict[int, int] = field(default_factory=dict)
    present: set[int] = field(default_factory=set)


class Entries(Protocol):
    async def enter(self, batch: Mapping[DrawRef, set[int]]) -> None:
        """Record keyword senders."""
        ...

    async def seen(self, ref: DrawRef, users: Iterable[int], *, at: float, seconds: int) -> None:
        """``users`` are in the room at ``at``; each watched ``seconds`` more."""
        ...

    async def gather(self, ref: DrawRef, *, present_since: float) -> Gathered: ...

    async def forget(self, ref: DrawRef) -> None: ...


class MemoryEntries:
    def __init__(self) -> None:
        self._keyword: dict[DrawRef, set[int]] = {}
        self._watched: dict[DrawRef, dict[int, int]] = {}
        self._seen: dict[DrawRef, dict[int, float]] = {}

    async def enter(self, batch: Mapping[DrawRef, set[int]]) -> None:
        for ref, users in batch.items():
            self._keyword.setdefault(ref, set()).update(users)

    async def seen(self, ref: DrawRef, users: Iterable[int], *, at: float, seconds: int) -> None:
        watched, seen = self._watched.setdefault(ref, {}), self._seen.setdefault(ref, {})
        for user_id in users:
            watched[user_id] = watched.get(user_id, 0) + seconds
            seen[user_id] = max(seen.get(user_id, at), at)

    async def gather(self, ref: DrawRef, *, present_since: float) -> Gathered:
        seen = self._seen.get(ref, {})
        return Gathered(
            set(self._keyword.get(ref, ())),
            dict(self._watched.get(ref, {})),
            {user_id for user_id, at in seen.items() if at >= present_since},
        )

    async def forget(self, ref: DrawRef) -> None:
        for store in (self._keyword, self._watched, self._seen):
            store.pop(ref, None)


class RedisEntries:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def enter(self, batch: Mapping[DrawRef, set[int]]) -> None:
        # One pipeline per room: on a Cluster a pipeline's commands share a slot's node.
        for ref, users in batch.items():
            key = self._keys.draw_keyword(ref.room_id, ref.draw_id)
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.sadd(key, *users)
                pipe.expire(key, KEEP_SECONDS)
                await pipe.execute()

    async def seen(self, ref: DrawRef, users: Iterable[int], *, at: float, seconds: int) -> None:
        users = list(users)
        if not users:
            return
        watch = self._keys.draw_watch(ref.room_id, ref.draw_id)
        present = self._keys.draw_present(ref.room_id, ref.draw_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in users:
                pipe.hincrby(watch, str(user_id), seconds)
            pipe.zadd(present, dict.fromkeys(map(str, users), at), gt=True)
            pipe.expire(watch, KEEP_SECONDS)
            pipe.expire(present, KEEP_SECONDS)
            await pipe.execute()

    async def gather(self, ref: DrawRef, *, present_since: float) -> Gathered:
        keys = self._keys
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.smembers(keys.draw_keyword(ref.room_id, ref.draw_id))
            pipe.hgetall(keys.draw_watch(ref.room_id, ref.draw_id))
            pipe.zrangebyscore(keys.draw_present(ref.room_id, ref.draw_id), present_since, "+inf")
            keyword, watched, present = await pipe.execute()
        return Gathered(_ids(keyword), {int(k): int(v) for k, v in watched.items()}, _ids(present))

    async def forget(self, ref: DrawRef) -> None:
        keys = self._keys
        await self._redis.delete(
            keys.draw_keyword(ref.room_id, ref.draw_id),
            keys.draw_watch(ref.room_id, ref.draw_id),
            keys.draw_present(ref.room_id, ref.draw_id),
        )


def _ids(raw: Iterable[Any]) -> set[int]:
    return {int(v) for v in raw}
