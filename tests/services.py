"""Where the real services for tests are, and fresh isolated places in them.

Service tests read ``LIVECOMMERCE_TEST_DATABASE_URL`` (PostgreSQL),
``LIVECOMMERCE_TEST_REDIS_URL`` (one Redis) and ``LIVECOMMERCE_TEST_REDIS_CLUSTER_URL``
(one node of a Redis Cluster, e.g. ``redis://127.0.0.1:7000/0`` as started by
``tests/cluster.sh``). Unset, they skip locally; under CI (``CI`` set) a missing
service fails the run instead, so nothing skips quietly there.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import Base

T = TypeVar("T")


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh loop in another thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def service_url(name: str) -> str:
    variable = f"LIVECOMMERCE_TEST_{name}_URL"
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{variable} is not set; CI must run every service test")
    pytest.skip(f"{variable} not set")


async def create_postgres_database(base_url: str) -> str:
    """A new, migrated database beside the one in ``base_url``; returns its URL."""
    name = f"lc_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    return url


async def drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def truncate_all(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def sqlite_copy(template: Path, directory: Path) -> str:
    """A migrated SQLite database for one test, copied from a migrated template."""
    target = directory / f"lc-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def redis_prefix() -> str:
    return f"lctest:{uuid.uuid4().hex[:12]}:"


def is_cluster(url: str) -> bool:
    return url == os.environ.get("LIVECOMMERCE_TEST_REDIS_CLUSTER_URL")


def redis_client(url: str, **options: Any) -> Redis:
    """A client for the test Redis at ``url``: a cluster client for the cluster's URL."""
    if is_cluster(url):
        return cast(Redis, RedisCluster.from_url(url, **options))
    return Redis.from_url(url, **options)


async def connect(url: str, **options: Any) -> Redis:
    """:func:`redis_client`, with a cluster's slot map read before any concurrent use
    (as the app does at start: redis-py's lazy first initialisation races)."""
    client = redis_client(url, **options)
    if isinstance(client, RedisCluster):
        await client.initialize()
    return client


async def delete_prefix(url: str, prefix: str) -> None:
    redis = redis_client(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
