"""What every node must know about revoked tokens, kept in Redis (the scaled shape).

Two keys per user, under one hash tag (``storage.keys``), so a token check is one round
trip on a single Redis and on Redis Cluster alike: the user's token generation, and one
key per logged-out token that expires when the token would have.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from livecommerce.storage.keys import Keys

# Generations only go up: a login that read the row before a "log out everywhere"
# committed must not write the older value back over the newer one.
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""


class SharedRevocations:
    """Redis calls only; errors (``RedisError``) are the caller's to handle."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def lookup_many(self, tokens: Sequence[tuple[int, str]]) -> list[tuple[int | None, bool]]:
        """Each (user, token id): the user's generation (``None``: not in Redis) and
        whether the token is revoked; one pipeline, so one round trip on a single Redis
        (one per shard on a cluster) for the whole batch."""
        pipe = self._redis.pipeline(transaction=False)
        for user_id, token_id in tokens:
            pipe.get(self._keys.token_generation(user_id))
            pipe.exists(self._keys.revoked_token(user_id, token_id or "-"))
        found = await pipe.execute()
        answers: list[tuple[int | None, bool]] = []
        for index, (_, token_id) in enumerate(tokens):
            generation, revoked = found[2 * index], found[2 * index + 1]
            answers.append((None if generation is None else int(generation),
                            bool(token_id) and bool(revoked)))  # fmt: skip
        return answers

    async def share_read(self, generations: dict[int, int], *, ttl: int) -> None:
        """Tell Redis generations just read from the database, in one pipeline. ``NX``:
        a value already there is as new or newer (generations only rise), so it stays."""
        pipe = self._redis.pipeline(transaction=False)
        for user_id, generation in generations.items():
            pipe.set(self._keys.token_generation(user_id), generation, nx=True, ex=max(1, ttl))
        await pipe.execute()

    async def raise_generation(self, user_id: int, generation: int, *, ttl: int) -> None:
        key = self._keys.token_generation(user_id)
        await self._redis.eval(_RAISE, 1, key, generation, max(1, ttl))

    async def revoke(self, user_id: int, token_id: str, *, ttl: int) -> None:
        await self._redis.set(self._keys.revoked_token(user_id, token_id), 1, ex=max(1, ttl))
