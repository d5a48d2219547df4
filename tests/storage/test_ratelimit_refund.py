"""Refunding an attempt that turned out not to count (a correct login)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from livecommerce.errors import RateLimited
from livecommerce.storage.keys import Keys
from livecommerce.storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter


async def _refunds(limiter: RateLimiter) -> None:
    await limiter.refund("login", "mei", window=60)  # nothing to refund: no credit either
    for _ in range(5):
        await limiter.hit("login", "mei", limit=2, window=60)
        await limiter.refund("login", "mei", window=60)
    await limiter.hit("login", "mei", limit=2, window=60)
    await limiter.hit("login", "mei", limit=2, window=60)
    with pytest.raises(RateLimited):
        await limiter.hit("login", "mei", limit=2, window=60)


async def test_memory_refund() -> None:
    """Refunded attempts do not count; a refund never gives credit in advance."""
    await _refunds(MemoryRateLimiter())


async def test_redis_refund(redis_url: str, redis_prefix: str) -> None:
    """The same on Redis, and a refund leaves no key without an expiry behind."""
    redis = Redis.from_url(redis_url)
    try:
        await _refunds(RedisRateLimiter(redis, Keys(redis_prefix)))
        await RedisRateLimiter(redis, Keys(redis_prefix)).refund("login", "new", window=60)
        keys = [key async for key in redis.scan_iter(f"{redis_prefix}*")]
        assert keys and all([await redis.ttl(key) > 0 for key in keys])
    finally:
        await redis.aclose()
