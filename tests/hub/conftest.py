"""Fixtures for the hub tests: key prefixes, a real Redis when configured, test sinks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from livecommerce.hub.outbox import Outbox
from livecommerce.storage.keys import Keys
from tests import services


@pytest.fixture
def keys() -> Keys:
    return Keys(prefix=services.redis_prefix())


@pytest.fixture(params=["single", "cluster"])
def hub_redis_url(request: pytest.FixtureRequest) -> str:
    """The multi-node tests run against one Redis and against a Redis Cluster."""
    name = "redis_url" if request.param == "single" else "redis_cluster_url"
    url: str = request.getfixturevalue(name)
    return url


@asynccontextmanager
async def test_client(url: str, keys: Keys) -> AsyncIterator[Redis]:
    """A real Redis client; every key under this test's prefix is deleted afterwards."""
    client = services.redis_client(url)
    if isinstance(client, RedisCluster):
        await client.initialize()  # before concurrent use, as the app does at start
    try:
        yield client
    finally:
        await client.aclose()
        await services.delete_prefix(url, keys.prefix)


@pytest.fixture
async def redis(hub_redis_url: str, keys: Keys) -> AsyncIterator[Redis]:
    async with test_client(hub_redis_url, keys) as client:
        yield client


@pytest.fixture
async def maybe_redis(
    request: pytest.FixtureRequest, shape: str, keys: Keys
) -> AsyncIterator[Redis | None]:
    """None in the embedded shape, a real Redis client in the scaled and cluster ones."""
    if shape == "embedded":
        yield None
        return
    url: str = request.getfixturevalue("redis_cluster_url" if shape == "cluster" else "redis_url")
    async with test_client(url, keys) as client:
        yield client


def events_in(frames: list[bytes]) -> list[dict[str, Any]]:
    """Flatten frames (one object or an array each) into the events they carry."""
    events: list[dict[str, Any]] = []
    for frame in frames:
        decoded = json.loads(frame)
        events.extend(decoded if isinstance(decoded, list) else [decoded])
    return events


def drain(outbox: Outbox) -> list[bytes]:
    """The frames queued in ``outbox`` right now."""
    frames = []
    while len(outbox):
        frames.append(outbox._frames.popleft())
    outbox._size = 0
    return frames


async def eventually(check: Callable[[], bool]) -> None:
    """Wait (up to 5 s) until ``check()`` holds: a wait, not a timing assertion."""
    async with asyncio.timeout(5.0):
        while not check():  # noqa: ASYNC110 - polling state owned by the code under test
            await asyncio.sleep(0.005)
