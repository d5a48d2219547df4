"""Fixtures: apps in the embedded shape (SQLite + in-process), the scaled shape
(PostgreSQL + Redis) and the cluster shape (PostgreSQL + Redis Cluster), each test in its
own database state and Redis key prefix.

The cluster shape runs only where it can find something the scaled one cannot: the
suites whose paths are in ``CLUSTER_SUITES`` (hub, stock gate and orders, the room
socket, the two-node sale, lucky draws: their entry keys share a room's slot). Elsewhere
Redis is used through the same single-slot calls, and a third run of every suite would
cost CI time for no new failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.app import create_app
from livecommerce.settings import Settings
from livecommerce.storage.migrate import upgrade
from tests import services
from tests.protocol_check import FrameChecker, checking_frames

SHAPES = ["embedded", "scaled", "cluster"]
CLUSTER_SUITES = (
    "tests/hub/",
    "tests/orders/",
    "tests/promotions/test_claims.py",
    "tests/routes/test_ws.py",
    "tests/draws/",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``shape`` over the shapes the test's suite runs in (see above),
    unless the test picks its shapes itself."""
    if "shape" not in metafunc.fixturenames:
        return
    chosen = metafunc.definition.iter_markers("parametrize")
    if any(m.args and "shape" in m.args[0] for m in chosen):
        return
    path = metafunc.definition.path.relative_to(Path(__file__).parent.parent).as_posix()
    shapes = SHAPES if path.startswith(CLUSTER_SUITES) else SHAPES[:2]
    metafunc.parametrize("shape", shapes, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the session; tests truncate it."""
    base = services.service_url("DATABASE")
    # A thread of its own: this may be first requested from inside a running loop.
    url = services.run_in_thread(services.create_postgres_database(base))
    yield url
    services.run_in_thread(services.drop_postgres_database(base, url))


@pytest.fixture
def redis_url() -> str:
    return services.service_url("REDIS")


@pytest.fixture
def redis_cluster_url() -> str:
    return services.service_url("REDIS_CLUSTER")


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = services.redis_prefix()
    yield prefix
    services.run_in_thread(services.delete_prefix(redis_url, prefix))


@pytest.fixture
def shape(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, shape: str, sqlite_template: Path, tmp_path: Path
) -> Iterator[Settings]:
    """Settings for a fresh deployment of ``shape``."""
    base: dict[str, Any] = {
        "secret_key": "test-secret-key",
        "password_hash_memory_kib": 1024,
        "login_attempts_per_minute": 5,
        "data_dir": str(tmp_path / "data"),
    }
    if shape == "embedded":
        yield Settings(database_url=services.sqlite_copy(sqlite_template, tmp_path), **base)
        return
    cluster = shape == "cluster"
    redis_url: str = request.getfixturevalue("redis_cluster_url" if cluster else "redis_url")
    db_url: str = request.getfixturevalue("postgres_url")
    prefix = services.redis_prefix()
    services.run_in_thread(services.truncate_all(db_url))
    # PostgreSQL turns the sandbox off by default; these tests pay with it on purpose.
    base["payments_sandbox"] = True
    yield Settings(
        database_url=db_url, redis_url=redis_url, redis_prefix=prefix, redis_cluster=cluster, **base
    )
    services.run_in_thread(services.delete_prefix(redis_url, prefix))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def server_env(settings: Settings) -> dict[str, str]:
    """The ``LIVECOMMERCE_*`` variables that make a server process use ``settings``."""
    env = {
        "LIVECOMMERCE_DATABASE_URL": settings.database_url,
        "LIVECOMMERCE_SECRET_KEY": settings.secret_key,
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": str(settings.password_hash_memory_kib),
        "LIVECOMMERCE_REDIS_PREFIX": settings.redis_prefix,
        "LIVECOMMERCE_PAYMENTS_SANDBOX": str(settings.payments_sandbox).lower(),
        "LIVECOMMERCE_DATA_DIR": settings.data_dir,
    }
    if settings.redis_url:
        env["LIVECOMMERCE_REDIS_URL"] = settings.redis_url
    if settings.redis_cluster:
        env["LIVECOMMERCE_REDIS_CLUSTER"] = "true"
    return env


@pytest.fixture(scope="session")
def frame_checker() -> FrameChecker:
    return FrameChecker()


@pytest.fixture(autouse=True)
def frames_follow_the_catalogue(
    request: pytest.FixtureRequest, frame_checker: FrameChecker
) -> Iterator[None]:
    """Every event the app sends a socket in this test validates against the catalogue
    (except in tests of the sinks themselves, which write arbitrary bytes)."""
    if request.node.get_closest_marker("raw_frames") is not None:
        yield
        return
    frame_checker.errors.clear()
    with checking_frames(frame_checker):
        yield
    assert frame_checker.errors == [], "events off the catalogue were sent"
