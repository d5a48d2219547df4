"""Tests for livecommerce.storage.db: the unit of work's guarantees."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, text

from livecommerce.events.base import Emitted
from livecommerce.orders.events import OrderMoved, OrderUpdated
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import EventOutbox, User


@pytest.fixture
async def db(settings: Settings) -> Database:
    return Database(settings.database_url)


async def test_nested_unit_of_work_fails_loudly(db: Database) -> None:
    """A unit of work inside another is a bug; it raises instead of deadlocking."""
    try:
        async with db.unit_of_work():
            with pytest.raises(RuntimeError, match="inside another"):
                async with db.unit_of_work():
                    pass
        async with db.unit_of_work() as uow:  # the flag is reset afterwards
            await uow.session.execute(text("SELECT 1"))
    finally:
        await db.dispose()


async def test_concurrent_writers_all_commit(db: Database) -> None:
    """Fifty writers at once, each reading before it writes, all commit (SQLite's
    writers take turns through the unit of work's lock)."""

    async def write(n: int) -> None:
        async with db.unit_of_work() as uow:
            await uow.session.scalar(select(func.count()).select_from(User))
            uow.session.add(
                User(handle=f"writer{n}", display_name="w", password_hash="x", role="viewer")
            )

    try:
        await asyncio.gather(*(write(n) for n in range(50)))
        async with db.read() as session:
            count = await session.scalar(
                select(func.count()).select_from(User).where(User.handle.like("writer%"))
            )
        assert count == 50
    finally:
        await db.dispose()


class _Sink:
    def __init__(self) -> None:
        self.events: list[Emitted] = []

    async def deliver(self, events: Sequence[Emitted]) -> None:
        self.events += events


async def test_outbox_rows_of_a_unit_of_work_are_one_insert_and_keep_their_ids(
    db: Database,
) -> None:
    """Three hundred durable events (and plain ones between them) are written by one
    INSERT; each delivered event carries the id of the row holding it."""
    inserts: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_OUTBOX"):
            inserts.append(statement)

    sink = _Sink()
    db.sink = sink
    sqlalchemy_event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.unit_of_work() as uow:
            for n in range(300):
                moved = OrderMoved(order_id=n, from_status="paid", to_status="shipped",
                                   actor="merchant", reason=f"r{n}")  # fmt: skip
                uow.emit_to(1, 7, moved)
                uow.emit_to(1, 8, OrderUpdated(order_id=n, status="shipped", sale_id=None))
        assert len(inserts) == 1
        durable = [e for e in sink.events if e.durable]
        assert len(durable) == 300 and all(e.outbox_id is not None for e in durable)
        assert all(e.outbox_id is None for e in sink.events if not e.durable)
        # The sink took them, so their rows are gone; the ids were the rows' own.
        ids = [e.outbox_id or 0 for e in durable]
        assert ids == sorted(ids) and len(set(ids)) == 300
        assert [e.data["reason"] for e in durable] == [f"r{n}" for n in range(300)]
        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(EventOutbox)) == 0
    finally:
        await db.dispose()


async def test_outbox_rows_stay_until_published_and_match_their_events(db: Database) -> None:
    """Without a sink the rows stay, each row holding the event its id was given to."""
    async with db.unit_of_work() as uow:
        for n in range(5):
            uow.emit_to(1, 7, OrderMoved(order_id=n, from_status="paid", to_status="shipped",
                                         actor="merchant", reason=""))  # fmt: skip
        events = uow
    try:
        by_id = {e.outbox_id: e.data["order_id"] for e in events.committed_events()}
        async with db.read() as session:
            rows = {r.id: json.loads(r.data)["order_id"] for r in await session.scalars(
                select(EventOutbox))}  # fmt: skip
        assert rows == by_id and sorted(rows.values()) == list(range(5))
    finally:
        await db.dispose()


async def test_a_rolled_back_unit_of_work_writes_no_outbox_row(db: Database) -> None:
    """An error in the body: no outbox row, nothing delivered."""
    sink = _Sink()
    db.sink = sink
    try:
        with pytest.raises(ZeroDivisionError):
            async with db.unit_of_work() as uow:
                uow.emit_to(1, 7, OrderMoved(order_id=1, from_status="paid", to_status="shipped",
                                             actor="merchant", reason=""))  # fmt: skip
                _ = 1 / 0
        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(EventOutbox)) == 0
        assert sink.events == []
    finally:
        await db.dispose()
