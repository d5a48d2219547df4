from __future__ import annotations

import pytest
from redis.asyncio import Redis

from livecommerce.errors import RateLimited
from livecommerce.storage.keys import Keys
from livecommerce.storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter


async def _exhaust(limiter: RateLimiter) -> None:
    for _ in range(3):
        await limiter.hit("login", "mei", limit=3, window=60)
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("login", "mei", limit=3, window=60)
    assert 1 <= caught.value.retry_after <= 60
    await limiter.hit("login", "other", limit=3, window=60)  # subjects are separate


async def test_memory_limiter() -> None:
    """The fourth attempt in a window of three is refused with a retry time."""
    await _exhaust(MemoryRateLimiter())


async def test_redis_limiter_is_shared(redis_url: str, redis_prefix: str) -> None:
    """Two limiters on one Redis (two nodes) share the count."""
    a, b = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        first = RedisRateLimiter(a, Keys(redis_prefix))
        second = RedisRateLimiter(b, Keys(redis_prefix))
        for _ in range(2):
            await first.hit("login", "mei", limit=3, window=60)
        await second.hit("login", "mei", limit=3, window=60)
        with pytest.raises(RateLimited):
            await second.hit("login", "mei", limit=3, window=60)
    finally:
        await a.aclose()
        await b.aclose()


async def test_redis_down_falls_back_to_local_counts() -> None:
    """With Redis unreachable, limits still apply, counted per node."""
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        await _exhaust(RedisRateLimiter(dead, Keys("x:")))
    finally:
        await dead.aclose()
