"""A database that cannot be reached is ``Unavailable`` (a 503), never an internal error."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from livecommerce.errors import SaleCancelled, Unavailable
from livecommerce.storage.db import Database
from livecommerce.storage.outage import is_outage
from tests.servers import free_port
from tests.services import service_url


@pytest.fixture
async def unreachable() -> AsyncIterator[Database]:
    """A PostgreSQL URL on a loopback port nothing listens on."""
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    yield db
    await db.dispose()


async def test_a_read_from_a_stopped_database_is_unavailable(unreachable: Database) -> None:
    """Connection refused surfaces as Unavailable with a Retry-After, the cause kept."""
    with pytest.raises(Unavailable) as raised:
        async with unreachable.read() as session:
            await session.execute(text("SELECT 1"))
    assert raised.value.retry_after >= 1
    assert raised.value.__cause__ is not None and is_outage(raised.value.__cause__)


async def test_a_unit_of_work_on_a_stopped_database_is_unavailable(unreachable: Database) -> None:
    """A write finds the database down: Unavailable, so the buyer gets a 503."""
    with pytest.raises(Unavailable):
        async with unreachable.unit_of_work() as uow:
            await uow.session.execute(text("SELECT 1"))


async def test_errors_in_the_request_are_not_outages() -> None:
    """Only reachability is an outage: a bad statement or a bug stays what it is."""
    db = Database("sqlite+aiosqlite:///:memory:")
    with pytest.raises(Exception) as raised:
        async with db.read() as session:
            await session.execute(text("SELECT * FROM no_such_table"))
    await db.dispose()
    assert not isinstance(raised.value, Unavailable) and not is_outage(raised.value)
    assert not is_outage(ValueError("no"))


def test_an_error_raised_while_handling_a_refused_connection_is_no_outage() -> None:
    """A refusal raised after the stock gate's Redis refused a connection stays itself."""
    try:
        try:
            raise ConnectionRefusedError(111, "redis refused")
        except ConnectionRefusedError:
            raise SaleCancelled("the flash sale was cancelled") from None
    except SaleCancelled as refusal:
        assert not is_outage(refusal)


async def test_a_deadlock_is_unavailable_not_internal() -> None:
    """Two writers locking two rows in opposite orders: PostgreSQL rolls one back, and
    that one is Unavailable (retry), not an internal error."""
    db = Database(service_url("DATABASE"))
    table = f"deadlock_{uuid.uuid4().hex[:8]}"
    async with db.unit_of_work() as uow:
        await uow.session.execute(text(f"CREATE TABLE {table} (id int primary key, n int)"))
        await uow.session.execute(text(f"INSERT INTO {table} VALUES (1, 0), (2, 0)"))
    both_hold = asyncio.Barrier(2)

    async def writer(first: int, second: int) -> None:
        async with db.unit_of_work() as uow:
            update = f"UPDATE {table} SET n = n + 1 WHERE id = :id"
            await uow.session.execute(text(update), {"id": first})
            await both_hold.wait()
            await uow.session.execute(text(update), {"id": second})

    try:
        outcomes = await asyncio.gather(writer(1, 2), writer(2, 1), return_exceptions=True)
    finally:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text(f"DROP TABLE {table}"))
        await db.dispose()
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], Unavailable), outcomes
    assert "met another" in failed[0].message  # not "unreachable": the database is up
