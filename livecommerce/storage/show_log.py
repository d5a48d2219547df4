"""The show log: every sequenced event of a show, kept durably for its replay.

The hub's room log keeps only the latest events (enough for reconnects). Each node's
hub hands this log every event *it appended* (never the ones it merely heard from
other nodes, so each event has one writer); the events wait in memory and a
supervised flusher writes them in batches, so recording costs the fan-out path no
I/O. ``(room_id, seq)`` is the primary key and a repeated batch (a retry after a commit
whose reply was lost) inserts nothing twice.

A node that dies loses at most the events of its last interval; the bounded buffer
drops the oldest (and counts them) if the database stays away longer than it holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.db import Database
from livecommerce.storage.models import ShowEvent
from livecommerce.supervisor import Stopped, pause

log = logging.getLogger(__name__)

BATCH = 500
BUFFER = 200_000


class Recorded(Protocol):
    """What the log needs of a hub event."""

    @property
    def room(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def media_t(self) -> float | None: ...
    @property
    def payload(self) -> bytes: ...


class Writer(Protocol):
    async def write(self, rows: Sequence[dict[str, Any]]) -> None: ...


def row_of(event: Recorded) -> dict[str, Any]:
    return {
        "room_id": event.room, "seq": event.seq, "type": event.type, "at": event.at,
        "media_t": event.media_t, "envelope": event.payload.decode(),
    }  # fmt: skip


async def insert_once(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping any (room, seq) already there."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in {"postgresql", "sqlite"}:
        await session.execute(insert(ShowEvent), list(rows))
        return
    stmt = maker(ShowEvent).on_conflict_do_nothing(index_elements=["room_id", "seq"])
    await session.execute(stmt, list(rows))


class DatabaseWriter:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        async with self._db.unit_of_work() as uow:
            await insert_once(uow.session, rows)


class ShowLog:
    def __init__(self, writer: Writer, *, interval: float = 1.0, buffer: int = BUFFER) -> None:
        self._writer = writer
        self._interval = interval
        self._pending: deque[dict[str, Any]] = deque(maxlen=buffer)
        self.lost = 0
        self.written = 0
        self._flushing = asyncio.Lock()
        self.on_written: Callable[[Sequence[dict[str, Any]]], None] | None = None
        """Called with each batch once it is in the database (caches of what it holds)."""

    def add(self, event: Recorded) -> None:
        """Keep ``event`` for the next flush (no I/O: called on the publish path)."""
        if len(self._pending) == self._pending.maxlen:
            self.lost += 1
        self._pending.append(row_of(event))

    def __len__(self) -> int:
        return len(self._pending)

    async def flush(self) -> int:
        """Write what is pending, in batches; return how many rows were written.

        One flush at a time: a caller's flush beside the flusher's would write the same
        batch and then pop it twice."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        done = 0
        while self._pending:
            batch = [self._pending[i] for i in range(min(BATCH, len(self._pending)))]
            await self._writer.write(batch)
            if self.on_written is not None:
                self.on_written(batch)
            for _ in batch:
                self._pending.popleft()
            done += len(batch)
        self.written += done
        return done

    async def run(self) -> None:
        """Flush every interval until the app stops, then once more."""
        try:
            while True:
                await pause(self._interval)
                await self._flush_logged()
        except Stopped:
            await self._flush_logged()
            raise

    async def close(self) -> None:
        """The last flush, at shutdown (after the hub stopped publishing)."""
        await self._flush_logged()

    async def _flush_logged(self) -> None:
        try:
            await self.flush()
        except Exception as exc:  # the rows stay pending for the next pass
            log.warning("show log flush failed (%d pending): %s", len(self._pending), exc)


async def show_events(
    session: AsyncSession, room_id: int, *, after: int = 0, limit: int | None = None
) -> list[ShowEvent]:
    """The show's events in seq order."""
    query = (
        select(ShowEvent)
        .where(ShowEvent.room_id == room_id, ShowEvent.seq > after)
        .order_by(ShowEvent.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))
