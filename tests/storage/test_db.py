"""Tests for livecommerce.storage.db: the unit of work's guarantees."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import User


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
