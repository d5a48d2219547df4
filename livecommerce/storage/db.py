"""Engine, sessions and the unit of work.

A unit of work is one transaction. Side effects that others can observe (events on the
hub) are queued on it with ``publish_after_commit`` and run only once the commit has
succeeded, so no viewer ever sees an event for a change that was rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
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

from livecommerce.storage import sqlite_driver

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[object]]
# Set while a task is inside a unit of work, so nesting one fails loudly instead of
# waiting forever on SQLite's write lock (held by the same task).
_in_unit_of_work: ContextVar[bool] = ContextVar("in_unit_of_work", default=False)


class EventPublisher(Protocol):
    """What the hub offers storage: a sequenced event for one room."""

    async def publish(self, room_id: int, type: str, data: Mapping[str, Any]) -> object: ...

    async def notify_user(
        self, room_id: int, user_id: int, type: str, data: Mapping[str, Any]
    ) -> None: ...


class UnitOfWork:
    def __init__(self, session: AsyncSession, publisher: EventPublisher | None) -> None:
        self.session = session
        self._publisher = publisher
        self._hooks: list[AfterCommit] = []

    def after_commit(self, hook: AfterCommit) -> None:
        self._hooks.append(hook)

    def publish_after_commit(self, room_id: int, type: str, data: Mapping[str, Any]) -> None:
        publisher = self._publisher
        if publisher is None:
            return
        payload = dict(data)
        self._hooks.append(lambda: publisher.publish(room_id, type, payload))

    def notify_after_commit(
        self, room_id: int, user_id: int, type: str, data: Mapping[str, Any]
    ) -> None:
        """An event for one user's sockets in the room (their own order), after commit."""
        publisher = self._publisher
        if publisher is None:
            return
        payload = dict(data)
        self._hooks.append(lambda: publisher.notify_user(room_id, user_id, type, payload))

    async def run_hooks(self) -> None:
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception:
                # The commit stands; a failed notification must not turn it into an error.
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
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
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
        self.publisher: EventPublisher | None = None
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
            async with self._write_turn(), self.sessions() as session:
                uow = UnitOfWork(session, self.publisher)
                async with session.begin():
                    yield uow
        finally:
            _in_unit_of_work.reset(token)
        await uow.run_hooks()

    def _write_turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._writer if self._writer is not None else contextlib.nullcontext()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; nothing is committed."""
        async with self.sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()
