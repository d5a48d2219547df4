"""Engine, sessions and the unit of work.

A unit of work is one transaction. Events are emitted on it (``emit``, ``emit_to``):
built and serialised at once, so a bad payload fails the transaction; commerce events
are also written to the outbox in the same transaction. After the commit, and only
then, one sink (the hub) gets all of them, so no viewer ever sees an event for a change
that was rolled back, and a node dying in between loses no commerce event.

A database that cannot be reached surfaces from a unit of work or a read as
``Unavailable`` (``storage.outage``), answered as a 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from livecommerce.errors import Unavailable
from livecommerce.events.base import Emitted, RoomEvent
from livecommerce.storage import outbox, sqlite_driver
from livecommerce.storage.models import utcnow
from livecommerce.storage.outage import outages_unavailable
from livecommerce.supervisor import pause

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[object]]
# Set while a task is inside a unit of work, so nesting one fails loudly instead of
# waiting forever on SQLite's write lock (held by the same task).
_in_unit_of_work: ContextVar[bool] = ContextVar("in_unit_of_work", default=False)


class EventSink(Protocol):
    """Where committed events go: the hub, which routes them by delivery class."""

    async def deliver(self, events: Sequence[Emitted]) -> None: ...


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._hooks: list[AfterCommit] = []
        self.events: list[Emitted] = []
        # Durable events wait here as (index in events, row) and are written together
        # just before the commit (write_outbox); their ids once written.
        self._rows: list[tuple[int, dict[str, Any]]] = []
        self._outbox_ids: dict[int, int] = {}

    def after_commit(self, hook: AfterCommit) -> None:
        self._hooks.append(hook)

    def emit(self, room_id: int, event: RoomEvent) -> None:
        """Emit a room event; it reaches the hub after the commit."""
        self._collect(event.emitted(room_id))

    def emit_to(self, room_id: int, user_id: int, event: RoomEvent) -> None:
        """Emit a private event for one user's sockets in the room (their own order)."""
        self._collect(event.emitted(room_id, user_id=user_id))

    def _collect(self, emitted: Emitted) -> None:
        if emitted.durable:
            self._rows.append((len(self.events), outbox.row_of(emitted, utcnow())))
        self.events.append(emitted)

    async def write_outbox(self) -> None:
        """Write the durable events' outbox rows, in the transaction, in one statement."""
        rows, self._rows = self._rows, []
        ids = await outbox.write(self.session, [row for _, row in rows])
        self._outbox_ids.update(zip((index for index, _ in rows), ids, strict=True))

    def committed_events(self) -> list[Emitted]:
        """The events, with their outbox ids (known once ``write_outbox`` ran)."""
        events = list(self.events)
        for index, row_id in self._outbox_ids.items():
            events[index] = dataclasses.replace(events[index], outbox_id=row_id)
        return events

    async def run_hooks(self) -> None:
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception:
                # The commit stands; a failed side effect must not turn it into an error.
                log.exception("after-commit hook failed")


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; busy_timeout queues writers
    # instead of failing them with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    def __init__(
        self, url: str, *, pool_size: int = 20, crash_after_commit: str = "",
        crash_after_payout: bool = False,
    ) -> None:  # fmt: skip
        self.url = url
        # Test hook: the process dies right after committing an event of this type,
        # before publishing it, as a node would in a power cut (the outbox test).
        self._crash_after_commit = crash_after_commit
        # Test hook: the process dies right after a provider paid a refund, before the
        # settle commit (orders.refunds calls crash_point).
        self._crash_after_payout = crash_after_payout
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            # One thread hop per statement, not SQLAlchemy's four (see sqlite_driver).
            kwargs = {"async_creator": sqlite_driver.creator(url)}
        else:
            kwargs = {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.sink: EventSink | None = None
        # SQLite has one writer at a time. Left to itself, a second writer sleeps in
        # SQLite's busy handler (or fails when its read snapshot went stale), and at a
        # hundred chat messages a second those sleeps stacked into seconds of latency.
        # Writers of this process queue here instead, in the event loop.
        self._writer = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction; commits on clean exit, then runs the after-commit hooks."""
        if _in_unit_of_work.get():
            raise RuntimeError("a unit of work cannot be opened inside another")
        token = _in_unit_of_work.set(True)
        try:
            async with outages_unavailable(), self._write_turn(), self.sessions() as session:
                uow = UnitOfWork(session)
                async with session.begin():
                    yield uow
                    await uow.write_outbox()
        finally:
            _in_unit_of_work.reset(token)
        await self.deliver(uow.committed_events())
        await uow.run_hooks()

    def crash_point_after_payout(self) -> None:
        """Die here, as in a power cut, if the refund crash test asked for it."""
        if self._crash_after_payout:
            os._exit(70)

    async def deliver(self, events: Sequence[Emitted]) -> None:
        """Hand committed events to the sink; forget the outbox rows it took.

        If the sink fails, the rows stay and the relay publishes them after their lease.
        """
        if not events or self.sink is None:
            return
        if self._crash_after_commit and any(e.type == self._crash_after_commit for e in events):
            os._exit(70)
        try:
            await self.sink.deliver(events)
        except Exception:
            log.exception("publishing %d committed events failed; outbox keeps them", len(events))
            return
        published = [e.outbox_id for e in events if e.outbox_id is not None]
        if published:
            try:
                async with self._write_turn(), self.sessions() as session, session.begin():
                    await outbox.forget(session, published)
            except Exception:
                log.exception("forgetting published outbox rows failed; they may repeat")

    async def relay_forever(self, *, interval: float = 1.0) -> None:
        """Relay expired outbox rows every ``interval`` seconds, on every node."""
        while True:
            await pause(interval)
            try:
                while await self.relay_outbox():
                    pass
            except Unavailable as exc:  # the database is down: no traceback each pass
                log.warning("outbox relay pass failed: %s", exc.message)
            except Exception:
                log.exception("outbox relay pass failed")

    async def relay_outbox(self) -> int:
        """Publish the outbox rows whose writer's lease ran out; return how many."""
        turn = self._write_turn()
        async with outages_unavailable(), turn, self.sessions() as session, session.begin():
            claimed = await outbox.claim_expired(session, now=utcnow())
        await self.deliver(claimed)
        return len(claimed)

    def _write_turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._writer if self._writer is not None else contextlib.nullcontext()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; nothing is committed."""
        async with outages_unavailable(), self.sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()
