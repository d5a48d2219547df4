"""aiosqlite with one thread hop per statement, for the embedded shape.

aiosqlite runs SQLite on a thread of its own, and SQLAlchemy's adapter makes four trips
to it per statement: open a cursor, execute, fetch the rows, close. Each trip comes back
through the event loop, so on a node busy writing frames to thousands of sockets every
trip waits for a loop turn. A chat message took 18 trips; its own CPU and its latency
were mostly those trips. Here a statement is one trip: the cursor is a plain holder, and
execute runs the statement, reads every row and closes the SQLite cursor in one go.

Rows are read whole, as SQLAlchemy's adapter already did for client-side cursors. The
connection itself, its thread and its commit and rollback are aiosqlite's, unchanged;
``_execute``, ``_conn`` and ``_thread`` are its internals, hence the pin to 0.22.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any, cast

import aiosqlite
from sqlalchemy import make_url

_Description = tuple[tuple[Any, ...], ...] | None
_Outcome = tuple[_Description, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, many: bool, sql: str, parameters: Any) -> _Outcome:
    """On aiosqlite's thread: the whole statement, rows included."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy's adapter uses, one trip per statement."""

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        return await self._run(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneHopCursor:
        return await self._run(True, sql, parameters)

    async def _run(self, many: bool, sql: str, parameters: Any) -> OneHopCursor:
        outcome: _Outcome = await self._connection.on_thread(_run, many, sql, parameters)
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Any]:
        taken, self._rows = list(self._rows), deque()
        return taken

    async def close(self) -> None:
        self._rows.clear()


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    def on_thread(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """Run ``fn(sqlite3_connection, *args)`` on the connection's thread."""
        # aiosqlite's own queue to its thread; _execute is untyped there.
        return self._execute(lambda: fn(self._conn, *args))  # type: ignore[no-untyped-call]


def creator(url: str) -> Callable[[], Awaitable[OneHopConnection]]:
    """An ``async_creator`` for SQLAlchemy, opening ``url`` as its own dialect would."""
    parsed = make_url(url)
    connect_args, connect_kwargs = parsed.get_dialect()().create_connect_args(parsed)

    async def connect() -> OneHopConnection:
        connection = OneHopConnection(
            partial(sqlite3.connect, *connect_args, **connect_kwargs), iter_chunk_size=64
        )
        # As SQLAlchemy does for aiosqlite: the thread must not keep the process alive.
        connection._thread.daemon = True
        return cast(OneHopConnection, await connection)

    return connect
