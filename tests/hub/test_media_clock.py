"""The show's media clock on the envelope: ``media_t`` beside ``at`` while it runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from livecommerce.events.delivery import Clock
from livecommerce.hub.event import iso_at
from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import Outbox
from livecommerce.storage.keys import Keys
from tests.hub.conftest import drain, events_in, eventually
from tests.hub.test_hub import snapshot_of

ORIGIN = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = ORIGIN - 10

    def __call__(self) -> float:
        return self.now


def make_hub(keys: Keys, redis: Redis | None, clock: FakeClock, node: str = "n1") -> Hub:
    return Hub(keys, redis, node, tick=0.0, frames_per_second=0, counter_interval=3600, clock=clock)


@pytest.fixture
async def clocked(keys: Keys, maybe_redis: Redis | None) -> AsyncIterator[tuple[Hub, FakeClock]]:
    clock = FakeClock()
    hub = make_hub(keys, maybe_redis, clock)
    await hub.start()
    yield hub, clock
    await hub.stop()


async def test_media_t_runs_from_the_clock_start_to_its_stop(
    clocked: tuple[Hub, FakeClock],
) -> None:
    """Before the clock starts an event has no media_t; after, media_t = at - origin and
    grows with at; the clock's stop removes it again."""
    hub, clock = clocked
    before = await hub.publish(1, "chat.posted", {"body": "early"})
    clock.now = ORIGIN + 0.25
    started = await hub.publish(1, "recording.started", {}, clock=Clock(iso_at(ORIGIN)))
    stamps = []
    for step in range(5):
        clock.now = ORIGIN + 1.5 + step * 0.75
        event = await hub.publish(1, "product.pinned", {"n": step})
        stamps.append(json.loads(event.payload)["media_t"])
    clock.now = ORIGIN + 20
    await hub.publish(1, "recording.ended", {}, clock=Clock(None))
    after = await hub.publish(1, "chat.posted", {"body": "late"})

    assert "media_t" not in json.loads(before.payload)
    assert json.loads(started.payload)["media_t"] == 0.25
    assert stamps == [1.5, 2.25, 3.0, 3.75, 4.5]
    assert stamps == sorted(stamps)
    assert "media_t" not in json.loads(after.payload)


async def test_sinks_get_media_t_and_the_clock_in_the_envelope(
    clocked: tuple[Hub, FakeClock],
) -> None:
    """The bytes on the socket carry media_t (the client's overlay reads it)."""
    hub, clock = clocked
    sink = Outbox()
    await hub.join(3, sink, since=None, snapshot=snapshot_of({}))
    drain(sink)
    await hub.publish(3, "recording.started", {}, clock=Clock(iso_at(ORIGIN)))
    clock.now = ORIGIN + 2
    await hub.publish(3, "sale.started", {"id": 1})
    await eventually(lambda: len(sink) >= 2)
    got = events_in(drain(sink))
    assert got[0]["clock"] == {"origin": iso_at(ORIGIN)}
    assert got[1]["media_t"] == 2.0
    assert got[1]["at"] == iso_at(ORIGIN + 2)


@pytest.mark.parametrize("shape", ["scaled", "cluster"], indirect=True)
async def test_a_node_without_sockets_in_the_room_stamps_media_t_too(
    keys: Keys, maybe_redis: Redis | None
) -> None:
    """A node that did not hear the clock event (no sockets in the room) reads the origin
    once and stamps its events like the node that did."""
    assert maybe_redis is not None
    clock = FakeClock()
    a, b = make_hub(keys, maybe_redis, clock, "a"), make_hub(keys, maybe_redis, clock, "b")
    await a.start()
    await b.start()
    try:
        await a.publish(5, "recording.started", {}, clock=Clock(iso_at(ORIGIN)))
        clock.now = ORIGIN + 7.5
        event = await b.publish(5, "product.pinned", {})
        assert json.loads(event.payload)["media_t"] == 7.5
    finally:
        await a.stop()
        await b.stop()
