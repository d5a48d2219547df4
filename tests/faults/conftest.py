from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import services
from tests.faults.postgres import PrivatePostgres, private_postgres


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL of this test's own, free to stop and restart."""
    server = private_postgres()
    if server is None:
        missing = "PostgreSQL binaries not installed (/usr/lib/postgresql/*/bin)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must run every fault test")
        pytest.skip(missing)
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def own_database(own_postgres: PrivatePostgres) -> str:
    """A migrated database on the private PostgreSQL; its URL."""
    return services.run_in_thread(services.create_postgres_database(own_postgres.url))
