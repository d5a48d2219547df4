"""Tests for livecommerce.resources: the Redis client the node is built with."""

from __future__ import annotations

import asyncio

from livecommerce.resources import connect_redis
from livecommerce.settings import Settings


async def test_a_burst_past_the_redis_pool_waits_instead_of_failing(
    redis_url: str, redis_prefix: str
) -> None:
    """More concurrent commands than LIVECOMMERCE_REDIS_MAX_CONNECTIONS all succeed:
    they queue for a connection (redis-py's default pool raised "Too many
    connections", which failed joins and chat under a socket storm)."""
    client = connect_redis(Settings(redis_url=redis_url, redis_max_connections=4))
    assert client is not None
    try:
        # Each BLPOP holds its connection for 50 ms; 40 of them need 10 rounds of 4.
        replies = await asyncio.gather(
            *(client.blpop([f"{redis_prefix}empty"], timeout=0.05) for _ in range(40))
        )
        assert replies == [None] * 40
        assert client.connection_pool.max_connections == 4
    finally:
        await client.aclose()
