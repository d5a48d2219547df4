"""Fixed-window rate limits, in process or shared through Redis.

A fixed window is coarse (a burst at a window edge gets up to twice the limit) but costs
one INCR, which matters on hot paths such as login and purchase attempts.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livecommerce.errors import RateLimited
from livecommerce.storage.keys import Keys


class RateLimiter(Protocol):
    async def hit(self, bucket: str, subject: str, *, limit: int, window: float) -> None:
        """Count one attempt; raise ``RateLimited`` past ``limit`` per ``window`` seconds."""
        ...

    async def refund(self, bucket: str, subject: str, *, window: float) -> None:
        """Take back one attempt of the current window (one that turned out not to count).

        Counting first and refunding after keeps the limit exact under concurrent
        attempts, where checking first would let a burst through."""
        ...


def _refuse(window: float, now: float) -> RateLimited:
    retry_after = max(1, math.ceil(window - (now % window)))
    return RateLimited("too many attempts, slow down", retry_after=retry_after)


class MemoryRateLimiter:
    def __init__(self, *, max_subjects: int = 100_000) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        self._max_subjects = max_subjects

    async def hit(self, bucket: str, subject: str, *, limit: int, window: float) -> None:
        now = time.time()
        slot = int(now // window)
        if len(self._counts) >= self._max_subjects:
            # Old windows are useless; dropping them all bounds memory under an attack.
            self._counts = {k: v for k, v in self._counts.items() if k[2] >= slot}
        key = (bucket, subject, slot)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count > limit:
            raise _refuse(window, now)

    async def refund(self, bucket: str, subject: str, *, window: float) -> None:
        key = (bucket, subject, int(time.time() // window))
        count = self._counts.get(key, 0)
        if count > 0:
            self._counts[key] = count - 1


# DECR would create a missing key (with no expiry, so it would stay for ever).
_REFUND = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end"


class RedisRateLimiter:
    """Shared across nodes; falls back to a per-node count while Redis is unreachable."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._fallback = MemoryRateLimiter()

    async def hit(self, bucket: str, subject: str, *, limit: int, window: float) -> None:
        try:
            await self._shared_hit(bucket, subject, limit=limit, window=window)
        except RedisError:
            await self._fallback.hit(bucket, subject, limit=limit, window=window)

    async def refund(self, bucket: str, subject: str, *, window: float) -> None:
        key = f"{self._keys.rate(bucket, subject)}:{int(time.time() // window)}"
        try:
            await self._redis.eval(_REFUND, 1, key)
        except RedisError:
            await self._fallback.refund(bucket, subject, window=window)

    async def _shared_hit(self, bucket: str, subject: str, *, limit: int, window: float) -> None:
        now = time.time()
        key = f"{self._keys.rate(bucket, subject)}:{int(now // window)}"
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, math.ceil(window) + 1)
        count, _ = await pipe.execute()
        if int(count) > limit:
            raise _refuse(window, now)
