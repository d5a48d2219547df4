"""Tests for livecommerce.storage.sqlite_driver: one trip to SQLite's thread per statement,
with everything SQLAlchemy reads from a cursor still right."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from livecommerce.storage import sqlite_driver
from livecommerce.storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions sent to SQLite's thread, in order."""
    sent: list[str] = []
    real = sqlite_driver.OneHopConnection.on_thread

    def counted(self: Any, fn: Callable[..., Any], *args: Any) -> Any:
        sent.append(fn.__name__)
        return real(self, fn, *args)

    monkeypatch.setattr(sqlite_driver.OneHopConnection, "on_thread", counted)
    return sent


async def test_a_statement_is_one_trip_with_its_rows(db: Database, trips: list[str]) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("INSERT INTO item (name) VALUES ('a'), ('b'), ('c')"))
        trips.clear()
        result = await conn.execute(text("SELECT id, name FROM item ORDER BY id"))
        assert trips == ["_run"]
        assert list(result.keys()) == ["id", "name"]
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b"), (3, "c")]


async def test_rowcount_lastrowid_and_executemany(db: Database) -> None:
    async with db.engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO item (name) VALUES (:n)"), {"n": "x"})
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO item (name) VALUES (:n)"), [{"n": "y"}, {"n": "z"}])
        updated = await conn.execute(text("UPDATE item SET name = name || '!'"))
        assert updated.rowcount == 3
        returned = await conn.execute(text("INSERT INTO item (name) VALUES ('w') RETURNING id"))
        assert returned.scalar_one() == 4


async def test_streamed_results_come_in_parts(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO item (name) VALUES (:n)"), [{"n": str(i)} for i in range(5)]
        )
        stream = await conn.stream(text("SELECT name FROM item ORDER BY id"))
        parts = [[row[0] for row in part] async for part in stream.partitions(2)]
    assert parts == [["0", "1"], ["2", "3"], ["4"]]


async def test_errors_are_sqlalchemy_errors_and_roll_back(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO item (name) VALUES ('dup')"))
            await conn.execute(text("INSERT INTO item (name) VALUES ('dup')"))
    with pytest.raises(OperationalError, match="no such table"):
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT * FROM missing"))
    async with db.engine.connect() as conn:
        count = await conn.execute(text("SELECT count(*) FROM item"))
        assert count.scalar_one() == 0  # the first insert was rolled back with the second


async def test_the_unit_of_work_commits_through_it(db: Database, trips: list[str]) -> None:
    """A unit of work on the embedded shape: two statements, two trips, then the commit
    and the pool's reset, which are aiosqlite's own."""
    async with db.unit_of_work() as uow:
        trips.clear()
        await uow.session.execute(text("INSERT INTO item (name) VALUES ('kept')"))
        await uow.session.execute(text("SELECT name FROM item"))
        assert trips == ["_run", "_run"]
    async with db.read() as session:
        assert (await session.execute(text("SELECT name FROM item"))).scalar_one() == "kept"


async def test_the_aiosqlite_internals_it_uses_are_there(tmp_path: Path) -> None:
    """``_execute``, ``_conn`` and ``_thread`` are aiosqlite's private names, pinned in
    pyproject.toml: this fails by name, not by an AttributeError deep in SQLAlchemy,
    when an aiosqlite release moves them."""
    connection = await sqlite_driver.creator(f"sqlite+aiosqlite:///{tmp_path / 'internals.db'}")()
    try:
        assert connection._thread.daemon and connection._thread.is_alive()
        assert isinstance(connection._conn, sqlite3.Connection)
        assert await connection.on_thread(lambda conn: conn is connection._conn)
    finally:
        await connection.close()
