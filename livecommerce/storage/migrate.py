"""Run Alembic migrations from code (CLI, ``serve``, ``demo`` and tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from livecommerce.paths import migrations_dir

__all__ = ["alembic_config", "downgrade", "migrations_dir", "upgrade"]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision``. Blocking: runs its own event loop."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
