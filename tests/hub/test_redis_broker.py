"""Tests for livecommerce.hub.redis_broker: several nodes sharing one real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from redis.asyncio import Redis

from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import Outbox
from livecommerce.hub.redis_log import RedisLog
from livecommerce.storage.keys import Keys
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


async def test_works_with_a_decoding_client(keys: Keys, redis_url: str, redis: Redis) -> None:
    """A client built with decode_responses=True is fine too."""
    client: Redis = Redis.from_url(redis_url, decode_responses=True)
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
    keys: Keys, redis: Redis, redis_url: str
) -> None:
    """When a node's subscription is killed, it resubscribes and resyncs from the log."""
    name = f"lctest-{keys.prefix.split(':')[1]}"
    named: Redis = Redis.from_url(redis_url, client_name=name)
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
        clients = await redis.client_list()
        subscribed = [c["id"] for c in clients if c.get("name") == name and "P" in c["flags"]]
        assert subscribed
        for client_id in subscribed:
            await redis.client_kill_filter(_id=client_id)
        for n in range(1, 20):
            await publisher.publish(1, "sale.stock", {"n": n})
        await eventually(lambda: len(seen.__iadd__(events_in(drain(sink)))) == 20)
        assert [e["seq"] for e in seen] == list(range(1, 21))
    finally:
        await listener.stop()
        await publisher.stop()
        await named.aclose()
