"""Tests for livecommerce.hub.log (and the Redis log, which shares its contract)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from livecommerce.hub.log import EventLog, MemoryLog
from livecommerce.hub.redis_log import RedisLog
from livecommerce.storage.keys import Keys
from tests import services


def make_log(keys: Keys, redis: Redis | None, retention: int = 1000) -> EventLog:
    clock = lambda: "2026-01-01T00:00:00.000Z"  # noqa: E731
    if redis is None:
        return MemoryLog(retention=retention, clock=clock)
    return RedisLog(redis, keys, retention=retention, ttl_seconds=60, clock=clock)


async def test_seq_increases_by_one_per_room(maybe_redis: Redis | None, keys: Keys) -> None:
    """Each room counts its own seqs from 1, one by one."""
    log = make_log(keys, maybe_redis)
    seqs = [
        (await log.append(room, "chat.posted", {"i": i})).seq
        for i, room in enumerate([1, 1, 2, 1, 2])
    ]
    assert seqs == [1, 2, 1, 3, 2]
    assert await log.current_seq(1) == 3
    assert await log.current_seq(3) == 0


async def test_events_since_replays_in_order(maybe_redis: Redis | None, keys: Keys) -> None:
    """events_since returns exactly the events after the given seq, with their bytes."""
    log = make_log(keys, maybe_redis)
    appended = [await log.append(5, "chat.posted", {"i": i}) for i in range(6)]
    replay = await log.events_since(5, 2)
    assert replay is not None
    assert [e.seq for e in replay] == [3, 4, 5, 6]
    assert [e.payload for e in replay] == [e.payload for e in appended[2:]]
    assert await log.events_since(5, 6) == []
    assert await log.events_since(9, 0) == []


async def test_events_since_is_none_when_pruned_or_unknown(
    maybe_redis: Redis | None, keys: Keys
) -> None:
    """A seq older than retention, or newer than the room's, cannot be replayed."""
    log = make_log(keys, maybe_redis, retention=5)
    for i in range(300):
        await log.append(1, "chat.posted", {"i": i})
    assert await log.events_since(1, 0) is None
    assert await log.events_since(1, 301) is None
    assert await log.events_since(1, -1) is None
    tail = await log.events_since(1, 296)
    assert tail is not None and [e.seq for e in tail] == [297, 298, 299, 300]


async def test_two_nodes_never_share_a_seq(redis: Redis, keys: Keys) -> None:
    """Concurrent appends from two Redis logs get the seqs 1..N, each exactly once."""
    a, b = make_log(keys, redis), make_log(keys, redis)
    events = await asyncio.gather(*(log.append(1, "x", {}) for log in [a, b] * 50))
    assert sorted(e.seq for e in events) == list(range(1, 101))
    replay = await a.events_since(1, 0)
    assert replay is not None and [e.seq for e in replay] == list(range(1, 101))


async def test_lost_counter_continues_after_the_stream(redis: Redis, keys: Keys) -> None:
    """If the seq counter vanishes but the stream survives, seqs keep growing."""
    log = make_log(keys, redis)
    for _ in range(3):
        await log.append(1, "x", {})
    await redis.delete(keys.room_seq(1))
    assert (await log.append(1, "x", {})).seq == 4


class ReplyDropper:
    """A TCP proxy to Redis that closes the client's connection instead of passing on
    the reply to its first EVALSHA once armed: the script ran, the client never hears."""

    def __init__(self, port: int) -> None:
        self._port = port
        self.armed = False
        self.dropped = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._port)
        while data := await reader.read(65536):
            up_writer.write(data)
            await up_writer.drain()
            reply = await up_reader.read(65536)
            if self.armed and b"EVALSHA" in data.upper():
                self.armed = False
                self.dropped += 1
                break
            writer.write(reply)
            await writer.drain()
        writer.close()
        up_writer.close()


async def test_a_retried_append_appends_once(redis_url: str, keys: Keys) -> None:
    """A client that re-sends the append after a lost reply (as redis-py's Cluster
    client does on a connection error) gets the same seq; the room has one entry."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = ReplyDropper(port)
    proxied = Redis(
        port=await proxy.start(),
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )
    try:
        log = RedisLog(proxied, keys, retention=100, ttl_seconds=60, clock=lambda: "t")
        await log.append(1, "chat.posted", {"i": 0})  # the script is loaded now
        proxy.armed = True
        event = await log.append(1, "chat.posted", {"i": 1})
        assert proxy.dropped == 1
        assert event.seq == 2
        assert await proxied.xlen(keys.room_log(1)) == 2
        assert await log.current_seq(1) == 2
    finally:
        await proxied.aclose()
        await proxy.close()
        await services.delete_prefix(redis_url, keys.prefix)
