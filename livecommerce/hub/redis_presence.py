"""Presence over Redis: a hash per room (node id -> sockets) plus a TTL key per node.

A node that dies stops refreshing ``Keys.node_alive``; once that key expires, readers
ignore (and remove) the node's entries, so a crashed node's viewers stop counting
within one TTL. Peak is the score of a one-member sorted set raised with ``ZADD GT``
(a compare-and-set without a script, so it pipelines on Redis Cluster too, where
pipelines refuse scripts), unique viewers a HyperLogLog (12 KB per room whatever the
audience).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from livecommerce.hub.presence import NodeReport, PresenceStats, RoomCounters, merge_counts
from livecommerce.storage.keys import Keys

PEAK = "peak"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisPresence:
    def __init__(
        self, redis: Redis, keys: Keys, node_id: str, *, ttl_seconds: float, keep_seconds: float
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._node = node_id
        self._ttl_ms = int(ttl_seconds * 1000)
        # How long a room's likes, peak and unique figures outlive its last activity.
        self._keep_ms = int(keep_seconds * 1000)

    async def sync(self, report: NodeReport) -> dict[int, RoomCounters]:
        rooms = [room_id for room_id, count in report.sockets.items() if count > 0]
        async with self._redis.pipeline(transaction=False) as pipe:
            self._write(pipe, report)
            for room_id in rooms:
                pipe.hgetall(self._keys.room_presence(room_id))
                pipe.get(self._keys.room_likes(room_id))
            replies = await pipe.execute()
        reads = replies[len(replies) - 2 * len(rooms) :]
        per_room = {room_id: _counts(reads[2 * i]) for i, room_id in enumerate(rooms)}
        alive = await self._alive(set().union(*per_room.values()) if per_room else set())
        viewers = {room_id: merge_counts(c, alive) for room_id, c in per_room.items()}
        await self._after_read(per_room, alive, viewers)
        return {
            room_id: RoomCounters(viewers[room_id], int(reads[2 * i + 1] or 0))
            for i, room_id in enumerate(rooms)
        }

    async def stats(self, room_id: int) -> PresenceStats:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._keys.room_presence(room_id))
            pipe.zscore(self._keys.room_peak(room_id), PEAK)
            # Not pipe.pfcount: cluster pipelines refuse it (it may span keys); one key is fine.
            pipe.execute_command("PFCOUNT", self._keys.room_unique(room_id))
            pipe.get(self._keys.room_likes(room_id))
            counts, peak, unique, likes = await pipe.execute()
        per_node = _counts(counts)
        viewers = merge_counts(per_node, await self._alive(set(per_node)))
        return PresenceStats(viewers, int(peak or 0), int(unique or 0), int(likes or 0))

    async def leave(self, rooms: Iterable[int]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for room_id in rooms:
                pipe.hdel(self._keys.room_presence(room_id), self._node)
            pipe.delete(self._keys.node_alive(self._node))
            await pipe.execute()

    def _write(self, pipe: Any, report: NodeReport) -> None:
        pipe.set(self._keys.node_alive(self._node), "1", px=self._ttl_ms)
        for room_id, count in report.sockets.items():
            key = self._keys.room_presence(room_id)
            if count > 0:
                pipe.hset(key, self._node, count)
                # The hash itself outlives every node's TTL, then disappears with the room.
                pipe.pexpire(key, self._ttl_ms * 3)
            else:
                pipe.hdel(key, self._node)
        for room_id, taps in report.likes.items():
            pipe.incrby(self._keys.room_likes(room_id), taps)
            pipe.pexpire(self._keys.room_likes(room_id), self._keep_ms)
        for room_id, who in report.joined.items():
            if who:
                pipe.pfadd(self._keys.room_unique(room_id), *sorted(who))
                pipe.pexpire(self._keys.room_unique(room_id), self._keep_ms)

    async def _alive(self, nodes: set[str]) -> set[str]:
        ordered = sorted(nodes)
        async with self._redis.pipeline(transaction=False) as pipe:
            for node in ordered:
                pipe.exists(self._keys.node_alive(node))
            found = await pipe.execute() if ordered else []
        return {node for node, hit in zip(ordered, found, strict=True) if hit}

    async def _after_read(
        self, per_room: dict[int, dict[str, int]], alive: set[str], viewers: dict[int, int]
    ) -> None:
        """Raise peaks and drop the entries of dead nodes."""
        if not per_room:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for room_id, counts in per_room.items():
                dead = [node for node in counts if node not in alive]
                if dead:
                    pipe.hdel(self._keys.room_presence(room_id), *dead)
                peak = self._keys.room_peak(room_id)
                pipe.zadd(peak, {PEAK: viewers[room_id]}, gt=True)
                pipe.pexpire(peak, self._keep_ms)
            await pipe.execute()


def _counts(raw: dict[Any, Any]) -> dict[str, int]:
    return {_text(node): int(count) for node, count in raw.items()}
