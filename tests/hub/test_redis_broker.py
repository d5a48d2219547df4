"""Tests for livecommerce.hub.redis_broker: several nodes sharing one real Redis, or one
real Redis Cluster."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import Outbox
from livecommerce.hub.redis_log import RedisLog
from livecommerce.storage.keys import Keys
from tests import services
from tests.hub.conftest import drain, events_in, eventually


async def no_snapshot(seq: int) -> Mapping[str, Any]:
    raise AssertionError("no snapshot expected")


@pytest.fixture
async def nodes(keys: Keys, redis: Redis) -> AsyncIterator[list[Hub]]:
    hubs = [
        Hub(keys, redis, f"node{i}", tick=0.0, frames_per_second=0, counter_interval=3600)
        for i in range(2)
    ]
    for hub in hubs:
        await hub.start()
    yield hubs
    for hub in hubs:
        await hub.stop()


async def test_event_published_on_one_node_reaches_sinks_on_all(nodes: list[Hub]) -> None:
    """Concurrent publishes from two nodes reach both nodes' sinks, in seq order, whole."""
    a, b = nodes
    sink_a, sink_b = Outbox(max_frames=1000), Outbox(max_frames=1000)
    await a.join(1, sink_a, since=0, snapshot=no_snapshot)
    await b.join(1, sink_b, since=0, snapshot=no_snapshot)
    await asyncio.gather(
        *(hub.publish(1, "sale.stock", {"i": i}) for i in range(40) for hub in (a, b))
    )
    got_a: list[dict[str, Any]] = []
    got_b: list[dict[str, Any]] = []
    await eventually(
        lambda: (
            len(got_a.__iadd__(events_in(drain(sink_a)))) == 80
            and len(got_b.__iadd__(events_in(drain(sink_b)))) == 80
        )
    )
    assert [e["seq"] for e in got_a] == list(range(1, 81))
    assert got_a == got_b


async def test_viewer_count_is_the_sum_over_live_nodes(
    nodes: list[Hub], keys: Keys, redis: Redis
) -> None:
    """Each node reports its sockets; the room counts them all, minus dead nodes."""
    a, b = nodes
    for _ in range(2):
        await a.join(1, Outbox(), since=0, snapshot=no_snapshot)
    await b.join(1, Outbox(), since=0, snapshot=no_snapshot)
    await a.sync_counters()
    await b.sync_counters()
    assert await a.viewer_count(1) == 3
    await redis.delete(keys.node_alive("node1"))
    assert await a.viewer_count(1) == 2
    assert (await a.stats(1)).peak == 3


async def test_likes_from_every_node_add_up(nodes: list[Hub]) -> None:
    """Likes tapped on different nodes land in one total."""
    a, b = nodes
    a.add_likes(1, 5)
    b.add_likes(1, 7)
    await a.sync_counters()
    await b.sync_counters()
    assert (await b.stats(1)).likes == 12


async def test_a_missed_notification_is_filled_from_the_log(
    nodes: list[Hub], keys: Keys, redis: Redis
) -> None:
    """When a node sees a seq gap, it reads the missing events from the stream."""
    a, b = nodes
    sink = Outbox()
    await b.join(1, sink, since=0, snapshot=no_snapshot)
    await a.publish(1, "sale.started", {})
    await eventually(lambda: len(sink) > 0)
    silent = RedisLog(redis, keys, retention=100, ttl_seconds=60, clock=lambda: "t")
    await silent.append(1, "sale.stock", {"left": 3})  # logged, never announced
    await a.publish(1, "sale.ended", {})
    await eventually(lambda: len(sink) >= 3)
    assert [(e["seq"], e["type"]) for e in events_in(drain(sink))] == [
        (1, "sale.started"),
        (2, "sale.stock"),
        (3, "sale.ended"),
    ]


async def test_works_with_a_decoding_client(keys: Keys, hub_redis_url: str, redis: Redis) -> None:
    """A client built with decode_responses=True is fine too."""
    client = await connected(hub_redis_url, decode_responses=True)
    hub = Hub(keys, client, "n", tick=0.0, frames_per_second=0, counter_interval=3600)
    await hub.start()
    try:
        sink = Outbox()
        await hub.join(1, sink, since=0, snapshot=no_snapshot)
        await hub.publish(1, "chat.posted", {"body": "嗨"})
        await eventually(lambda: len(sink) > 0)
        assert events_in(drain(sink))[0]["data"] == {"body": "嗨"}
        replay = await hub.events_since(1, 0)
        assert replay is not None and replay[0].data == {"body": "嗨"}
        hub.add_likes(1, 2)
        await hub.sync_counters()
        assert (await hub.stats(1)).likes == 2
    finally:
        await hub.stop()
        await client.aclose()


async def test_listener_reconnects_and_fills_what_it_missed(
    keys: Keys, redis: Redis, hub_redis_url: str
) -> None:
    """When a node's subscription is killed, it resubscribes and resyncs from the log."""
    name = f"lctest-{keys.prefix.split(':')[1]}"
    named = await connected(hub_redis_url, client_name=name)
    publisher = Hub(keys, redis, "pub", tick=0.0, frames_per_second=0, counter_interval=3600)
    listener = Hub(keys, named, "sub", tick=0.0, frames_per_second=0, counter_interval=3600)
    await publisher.start()
    await listener.start()
    try:
        sink = Outbox(max_frames=1000)
        await listener.join(1, sink, since=0, snapshot=no_snapshot)
        await publisher.publish(1, "sale.stock", {"n": 0})
        seen: list[dict[str, Any]] = []
        await eventually(lambda: len(seen.__iadd__(events_in(drain(sink)))) == 1)
        assert await kill_subscribers(redis, name) == 1
        for n in range(1, 20):
            await publisher.publish(1, "sale.stock", {"n": n})
        await eventually(lambda: len(seen.__iadd__(events_in(drain(sink)))) == 20)
        assert [e["seq"] for e in seen] == list(range(1, 21))
    finally:
        await listener.stop()
        await publisher.stop()
        await named.aclose()


async def test_a_node_subscribes_only_to_rooms_with_local_sockets(
    keys: Keys, redis: Redis, hub_redis_url: str
) -> None:
    """First socket subscribes the room, the last one leaving unsubscribes it; a node
    with sockets in many rooms holds one pub/sub connection per Redis server."""
    name = f"lctest-{keys.prefix.split(':')[1]}"
    named = await connected(hub_redis_url, client_name=name)
    hub = Hub(keys, named, "n", tick=0.0, frames_per_second=0, counter_interval=3600)
    await hub.start()
    try:
        rooms = range(1, 9)
        members = [await hub.join(r, Outbox(), since=0, snapshot=no_snapshot) for r in rooms]
        second = await hub.join(1, Outbox(), since=0, snapshot=no_snapshot)
        assert [await subscribers(redis, keys, r) for r in (*rooms, 99)] == [1] * 8 + [0]
        assert await pubsub_connections(redis, name) == len(await servers_of(redis, keys, rooms))
        hub.detach(members[0])
        hub.detach(members[1])
        await eventually_async(lambda: subscribers(redis, keys, 2), 0)
        assert await subscribers(redis, keys, 1) == 1  # one socket left in room 1
        hub.detach(second)
        await eventually_async(lambda: subscribers(redis, keys, 1), 0)
    finally:
        await hub.stop()
        await named.aclose()


async def test_an_event_published_right_after_a_first_join_reaches_it(nodes: list[Hub]) -> None:
    """A join returns only once the room's subscription is live, so nothing published
    after it can be missed, even with no later event to reveal a gap."""
    a, b = nodes
    for room_id in range(20, 30):
        sink = Outbox()
        await b.join(room_id, sink, since=0, snapshot=no_snapshot)
        await a.publish(room_id, "sale.started", {})
        await eventually(lambda sink=sink: len(sink) > 0)  # type: ignore[misc]
        assert [e["seq"] for e in events_in(drain(sink))] == [1]


async def test_private_event_reaches_the_user_on_another_node(nodes: list[Hub]) -> None:
    """notify_user on one node reaches that user's socket on another, and nobody else."""
    a, b = nodes
    mine, theirs = Outbox(), Outbox()
    await b.join(3, mine, since=0, snapshot=no_snapshot, user_id=7)
    await b.join(3, theirs, since=0, snapshot=no_snapshot, user_id=8)
    await a.notify_user(3, 7, "order.paid", {"order": 1})
    await eventually(lambda: len(mine) > 0)
    assert [e["type"] for e in events_in(drain(mine))] == ["order.paid"]
    await a.publish(3, "sale.started", {})
    await eventually(lambda: len(theirs) > 0)
    assert [e["type"] for e in events_in(drain(theirs))] == ["sale.started"]


# --- helpers -----------------------------------------------------------------------
async def connected(url: str, **options: Any) -> Redis:
    client = services.redis_client(url, **options)
    if isinstance(client, RedisCluster):
        await client.initialize()
    return client


def server_clients(redis: Redis) -> list[Redis]:
    """A plain client per server: the one Redis, or each master of a cluster."""
    if isinstance(redis, RedisCluster):
        return [Redis(host=n.host, port=n.port) for n in redis.get_primaries()]
    return [redis]


async def each_server(redis: Redis, call: Callable[[Redis], Awaitable[int]]) -> int:
    total = 0
    for server in server_clients(redis):
        total += await call(server)
        if server is not redis:
            await server.aclose()
    return total


async def kill_subscribers(redis: Redis, name: str) -> int:
    """Kill every pub/sub connection called ``name``; returns how many there were."""

    async def kill(server: Redis) -> int:
        found = [c["id"] for c in await server.client_list() if c.get("name") == name]
        subscribed = [i for i in found if "P" in _flags(await server.client_list(), i)]
        for client_id in subscribed:
            await server.client_kill_filter(_id=client_id)
        return len(subscribed)

    return await each_server(redis, kill)


async def pubsub_connections(redis: Redis, name: str) -> int:
    async def count(server: Redis) -> int:
        clients = await server.client_list()
        return sum(1 for c in clients if c.get("name") == name and "P" in c["flags"])

    return await each_server(redis, count)


def _flags(clients: list[dict[str, Any]], client_id: str) -> str:
    return next((str(c["flags"]) for c in clients if c["id"] == client_id), "")


async def subscribers(redis: Redis, keys: Keys, room_id: int) -> int:
    """Subscriptions to the room's channel, on whichever server serves it."""
    channel = keys.room_channel(room_id)
    sharded = isinstance(redis, RedisCluster)

    async def count(server: Redis) -> int:
        kind = "SHARDNUMSUB" if sharded else "NUMSUB"
        reply = await server.execute_command("PUBSUB", kind, channel)  # type: ignore[no-untyped-call]
        return int(reply[1])

    return await each_server(redis, count)


async def servers_of(redis: Redis, keys: Keys, rooms: range) -> set[str]:
    if not isinstance(redis, RedisCluster):
        return {"redis"}
    return {
        node.name
        for r in rooms
        if (node := redis.get_node_from_key(keys.room_channel(r))) is not None
    }


async def eventually_async(read: Callable[[], Awaitable[int]], expected: int) -> None:
    async with asyncio.timeout(5.0):
        while await read() != expected:  # noqa: ASYNC110 - polling Redis, not local state
            await asyncio.sleep(0.01)
