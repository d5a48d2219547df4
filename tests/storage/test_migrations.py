from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.storage import migrate
from livecommerce.storage.models import Base
from tests import services


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _check(url: str) -> tuple[list[object], set[str]]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
        tables = await conn.run_sync(_tables)
    await engine.dispose()
    return diff, tables


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    diff, tables = services.run_in_thread(_check(url))
    assert diff == [], "models and migrations disagree"
    assert tables == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert services.run_in_thread(_check(url))[1] == set()
    migrate.upgrade(url)


def test_sqlite_upgrade_matches_models(tmp_path: Path) -> None:
    """On SQLite, upgrade builds exactly the models' schema; downgrade removes it."""
    _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


def test_postgres_upgrade_matches_models() -> None:
    """On PostgreSQL, upgrade builds exactly the models' schema; downgrade removes it."""
    base = services.service_url("DATABASE")
    url = services.run_in_thread(services.create_postgres_database(base))
    try:
        migrate.downgrade(url, "base")
        _round_trip(url)
    finally:
        services.run_in_thread(services.drop_postgres_database(base, url))


def test_migration_files_are_date_prefixed() -> None:
    """Revisions are named YYYY_MM_DD_..., so they sort by date."""
    versions = Path(migrate.migrations_dir()) / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names and all(n[:4].isdigit() and n[4] == "_" for n in names)
