"""An INSERT that leaves an existing row alone, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import Base


async def insert_ignoring(session: AsyncSession, model: type[Base], **values: Any) -> bool:
    """Insert one row unless a unique key already holds it; True if it was inserted.
    Two racing requests both succeed, and one row results."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
