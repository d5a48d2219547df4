"""Tests for livecommerce.hub.hub, in the embedded shape and against real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from redis.asyncio import Redis

from livecommerce.events.delivery import Delivery
from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import Outbox
from livecommerce.storage.keys import Keys
from tests.hub.conftest import drain, events_in, eventually


def make_hub(keys: Keys, redis: Redis | None, node: str = "n1", **tunables: Any) -> Hub:
    # No coalescing at all (no tick, no frame budget): every event is flushed at once.
    return Hub(keys, redis, node, tick=0.0, frames_per_second=0, counter_interval=3600, **tunables)


@pytest.fixture
async def hub(keys: Keys, maybe_redis: Redis | None) -> AsyncIterator[Hub]:
    hub = make_hub(keys, maybe_redis)
    await hub.start()
    yield hub
    await hub.stop()


async def no_snapshot(seq: int) -> Mapping[str, Any]:
    raise AssertionError("no snapshot expected")


def snapshot_of(state: dict[str, Any]) -> Any:
    async def build(seq: int) -> Mapping[str, Any]:
        return {"seq": seq, **state}

    return build


def seqs(outbox: Outbox) -> list[int]:
    return [e["seq"] for e in events_in(drain(outbox))]


async def test_published_event_reaches_every_local_sink(hub: Hub) -> None:
    """publish() sequences the event and every sink of the room gets it."""
    sinks = [Outbox() for _ in range(3)]
    for sink in sinks:
        await hub.join(1, sink, since=None, snapshot=snapshot_of({}))
        drain(sink)
    event = await hub.publish(1, "product.pinned", {"product_id": 9})
    assert event.seq == 1
    await eventually(lambda: all(len(sink) > 0 for sink in sinks))
    for sink in sinks:
        assert events_in(drain(sink)) == [event.as_dict()]


async def test_first_join_gets_a_snapshot_at_the_current_seq(hub: Hub) -> None:
    """A join without since gets room.snapshot carrying the seq it was built at."""
    for i in range(3):
        await hub.publish(1, "chat.posted", {"i": i}, delivery=Delivery.SAMPLED)
    sink = Outbox()
    await hub.join(1, sink, since=None, snapshot=snapshot_of({"pinned": None}))
    [snapshot] = events_in(drain(sink))
    assert snapshot["type"] == "room.snapshot"
    assert snapshot["seq"] == 3
    assert snapshot["data"] == {"seq": 3, "pinned": None}


async def test_resume_replays_what_was_missed(hub: Hub) -> None:
    """A join with since=N replays the events after N, then goes live."""
    for i in range(5):
        await hub.publish(1, "chat.posted", {"i": i}, delivery=Delivery.SAMPLED)
    sink = Outbox()
    await hub.join(1, sink, since=2, snapshot=no_snapshot)
    assert seqs(sink) == [3, 4, 5]
    await hub.publish(1, "sale.started", {})
    await eventually(lambda: len(sink) > 0)
    assert seqs(sink) == [6]


async def test_resume_from_a_pruned_seq_gets_a_snapshot(
    keys: Keys, maybe_redis: Redis | None
) -> None:
    """When the log no longer holds everything after since, the join falls back to a
    snapshot."""
    hub = make_hub(keys, maybe_redis, log_retention=3)
    await hub.start()
    try:
        for i in range(200):
            await hub.publish(1, "chat.posted", {"i": i}, delivery=Delivery.SAMPLED)
        sink = Outbox()
        await hub.join(1, sink, since=1, snapshot=snapshot_of({}))
        [snapshot] = events_in(drain(sink))
        assert (snapshot["type"], snapshot["seq"]) == ("room.snapshot", 200)
    finally:
        await hub.stop()


async def test_rooms_are_separate(hub: Hub) -> None:
    """A sink only hears its own room."""
    one, two = Outbox(), Outbox()
    await hub.join(1, one, since=0, snapshot=no_snapshot)
    await hub.join(2, two, since=0, snapshot=no_snapshot)
    await hub.publish(2, "sale.started", {})
    await eventually(lambda: len(two) > 0)
    assert len(one) == 0


async def test_detached_sink_hears_nothing(hub: Hub) -> None:
    """After detach, a sink gets no more events and the node counts no viewer."""
    sink = Outbox()
    member = await hub.join(1, sink, since=0, snapshot=no_snapshot)
    assert hub.local_viewers(1) == 1
    hub.detach(member)
    await hub.publish(1, "sale.started", {})
    assert hub.local_viewers(1) == 0
    assert len(sink) == 0


async def test_likes_and_viewers_are_counter_events_sent_when_changed(hub: Hub) -> None:
    """Likes are summed per tick; counters go out unsequenced and only when changed."""
    sink = Outbox()
    await hub.join(1, sink, since=0, snapshot=no_snapshot, identity="u1")
    await hub.publish(1, "sale.started", {})
    await eventually(lambda: len(sink) > 0)
    drain(sink)
    for _ in range(30):
        hub.add_likes(1, 1)
    await hub.sync_counters()
    counters = {e["type"]: e for e in events_in(drain(sink))}
    assert counters["likes.count"]["data"] == {"count": 30}
    assert counters["viewers.count"]["data"] == {"count": 1}
    assert counters["likes.count"]["seq"] == 1
    await hub.sync_counters()
    assert len(sink) == 0
    stats = await hub.stats(1)
    assert (stats.viewers, stats.peak, stats.unique, stats.likes) == (1, 1, 1, 30)
    assert await hub.events_since(1, 0) is not None
    assert await hub.current_seq(1) == 1


async def test_stop_closes_sinks_for_reconnect(keys: Keys, maybe_redis: Redis | None) -> None:
    """Stopping the hub closes every sink with the going-away code."""
    hub = make_hub(keys, maybe_redis)
    await hub.start()
    sink = Outbox()
    await hub.join(1, sink, since=0, snapshot=no_snapshot)
    await hub.stop()
    assert sink.close_code == 4009


async def test_private_event_reaches_only_that_users_sockets(hub: Hub) -> None:
    """notify_user() reaches the user's sockets in that room, unsequenced; nobody else's."""
    mine, other, anonymous = Outbox(), Outbox(), Outbox()
    await hub.join(1, mine, since=0, snapshot=no_snapshot, user_id=7)
    await hub.join(1, other, since=0, snapshot=no_snapshot, user_id=8)
    await hub.join(1, anonymous, since=0, snapshot=no_snapshot)
    for sink in (mine, other, anonymous):
        drain(sink)
    await hub.notify_user(1, 7, "order.updated", {"order_id": 3, "status": "paid"})
    await hub.notify_user(2, 7, "order.updated", {"order_id": 4, "status": "paid"})
    await eventually(lambda: len(mine) > 0)
    [event] = events_in(drain(mine))
    assert (event["type"], event["seq"], event["data"]["order_id"]) == ("order.updated", None, 3)
    await hub.publish(1, "product.unpinned", {})  # a later room event arrives after it
    await eventually(lambda: len(other) > 0)
    assert [e["type"] for e in events_in(drain(other))] == ["product.unpinned"]
    assert [e["type"] for e in events_in(drain(anonymous))] == ["product.unpinned"]
    assert await hub.current_seq(1) == 1  # private events take no seq
