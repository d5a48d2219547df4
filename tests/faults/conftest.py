from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import services
from tests.faults.postgres import PrivatePostgres, private_postgres


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL of this test's own, free to stop and restart."""
    server = private_postgres()
    if server is None:
        pytest.skip("PostgreSQL binaries not installed (/usr/lib/postgresql/*/bin)")
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def own_database(own_postgres: PrivatePostgres) -> str:
    """A migrated database on the private PostgreSQL; its URL."""
    return services.run_in_thread(services.create_postgres_database(own_postgres.url))
