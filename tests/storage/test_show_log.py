"""The show log keeps every event of a show, each once, however many nodes hear it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import Outbox
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.show_log import DatabaseWriter, ShowLog, show_events
from tests import services

ROOM = 7
EVENTS = 1_200  # more than the hub's bounded room log keeps (1,000)


async def nothing(seq: int) -> dict[str, int]:
    return {"seq": seq}


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


async def node(keys: Keys, redis: Redis | None, name: str, db: Database) -> tuple[Hub, ShowLog]:
    hub = Hub(keys, redis, name, tick=0.0, frames_per_second=0, counter_interval=3600)
    log = ShowLog(DatabaseWriter(db))
    hub.record = log.add
    await hub.start()
    # A viewer on this node: it hears every event of the room, from either node.
    await hub.join(ROOM, Outbox(max_frames=10_000, max_bytes=1 << 26), since=None,
                   snapshot=nothing)  # fmt: skip
    return hub, log


async def test_every_event_of_a_show_is_kept_in_order(db: Database, settings: Settings) -> None:
    """Past the bounded log's 1,000, the show log still holds the whole show."""
    redis = services.redis_client(settings.redis_url) if settings.redis_url else None
    keys = Keys(settings.redis_prefix)
    hub, log = await node(keys, redis, "a", db)
    try:
        for n in range(EVENTS):
            await hub.publish(ROOM, "chat.posted", {"n": n})
        assert await hub.events_since(ROOM, 0) is None  # the hot log dropped the oldest
        await log.flush()
    finally:
        await hub.stop()
        if redis is not None:
            await redis.aclose()
    async with db.read() as session:
        rows = await show_events(session, ROOM)
    assert [r.seq for r in rows] == list(range(1, EVENTS + 1))
    assert rows[0].envelope.startswith('{"type":"chat.posted"')


@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_two_nodes_write_each_event_once(db: Database, settings: Settings) -> None:
    """Both nodes hear every event; each is written by the node that appended it."""
    assert settings.redis_url
    redis = services.redis_client(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    (a, log_a), (b, log_b) = await node(keys, redis, "a", db), await node(keys, redis, "b", db)
    try:
        for n in range(EVENTS):
            await (a if n % 3 else b).publish(ROOM, "chat.posted", {"n": n})
        await log_a.flush()
        await log_b.flush()
        await log_b.flush()  # a repeated flush writes nothing twice
    finally:
        await a.stop()
        await b.stop()
        await redis.aclose()
    async with db.read() as session:
        rows = await show_events(session, ROOM)
    assert [r.seq for r in rows] == list(range(1, EVENTS + 1))
    assert log_a.written + log_b.written == EVENTS
    assert 0 < log_b.written < EVENTS


class SlowWriter:
    """A writer that takes its time, as a database under load does."""

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    async def write(self, rows: Sequence[dict[str, object]]) -> None:
        await asyncio.sleep(0.05)
        self.rows.extend(rows)


@dataclass(frozen=True)
class Event:
    room: int
    seq: int
    type: str = "chat.posted"
    at: str = "2026-12-01T12:00:00.000Z"
    media_t: float | None = None
    payload: bytes = b"{}"


async def test_flushes_at_once_write_each_row_once() -> None:
    """The timer's flush and a show's explicit one overlapping write every row once
    (and neither fails popping rows the other took)."""
    writer = SlowWriter()
    log = ShowLog(writer)
    for seq in range(1, 6):
        log.add(Event(ROOM, seq))
    await asyncio.gather(log.flush(), log.flush())
    assert [row["seq"] for row in writer.rows] == [1, 2, 3, 4, 5]
    assert len(log) == 0 and log.written == 5
