"""What every node must know about revoked tokens, kept in Redis (the scaled shape).

Two small sets are the truth: the ids of logged-out tokens (a sorted set scored by when
each token expires, so expired ones are dropped) and the generations of the users who
ever logged out everywhere (a hash). Each node keeps a replica of both in memory
(``accounts.revocation``) and catches up by reading only what changed: every change is
logged in a third sorted set under the next ``version``, and the log keeps the latest
``CHANGES_KEPT`` changes. A node whose version is older than the log reaches, or whose
``epoch`` differs (a Redis that lost its data starts a new one), reads both sets again.

All keys share one hash tag (``storage.keys``), so each script runs on one Redis
Cluster shard; these are rare writes (logouts) and one small read per node per refresh.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from livecommerce.storage.keys import Keys

CHANGES_KEPT = 10_000
"""Changes a node may fall behind by and still catch up without reading everything."""

_EPOCH = """
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'version', 0)
end
"""

_LOG = """
local function log(change)
  local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('ZADD', KEYS[3], version, change)
end
"""

_TRIM = "redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[2]) - 1)\n"


def _writer(body: str) -> str:
    """A script that changes the sets: logs each change, keeps the log's latest."""
    return _EPOCH + _LOG + body + _TRIM


def _reader(body: str) -> str:
    return _EPOCH + body


# KEYS: meta, tokens, changes. ARGV: new epoch, kept, now, then (token id, expiry) pairs.
# A token already revoked is not logged again: the log's versions stay gapless.
_REVOKE = _writer("""
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
for i = 4, #ARGV, 2 do
  if redis.call('ZADD', KEYS[2], 'NX', ARGV[i + 1], ARGV[i]) == 1 then
    log('t:' .. ARGV[i + 1] .. ':' .. ARGV[i])
  end
end
""")

# KEYS: meta, generations, changes. ARGV: new epoch, kept, then (user, generation) pairs.
# Generations only go up: a value as high or higher is kept and nothing is logged.
_RAISE = _writer("""
for i = 3, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > current then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    log('g:' .. ARGV[i] .. ':' .. ARGV[i + 1])
  end
end
""")

# KEYS: meta, changes. ARGV: new epoch, the reader's version.
_SINCE = _reader("""
local version = tonumber(redis.call('HGET', KEYS[1], 'version'))
local changes = {}
if version > tonumber(ARGV[2]) then
  changes = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[2], version)
end
return {epoch, version, changes}
""")

# KEYS: meta, tokens, generations. ARGV: new epoch, now.
_ALL = _reader("""
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])
return {epoch, tonumber(redis.call('HGET', KEYS[1], 'version')),
        redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES'), redis.call('HGETALL', KEYS[3])}
""")


@dataclass
class Revoked:
    """Revoked token ids (with their expiry, unix time) and raised user generations."""

    tokens: dict[str, int]
    generations: dict[int, int]


@dataclass(frozen=True)
class Read:
    """What a node read: ``revoked`` as of ``version`` of ``epoch``. ``complete``: it is
    everything Redis knows, not just the changes after the reader's version."""

    epoch: str
    version: int
    revoked: Revoked
    complete: bool


class SharedRevocations:
    """Redis calls only; errors (``RedisError``) are the caller's to handle."""

    def __init__(self, redis: Redis, keys: Keys, *, kept: int = CHANGES_KEPT) -> None:
        self._keys = keys
        self._kept = kept
        self._revoke = redis.register_script(_REVOKE)
        self._raise = redis.register_script(_RAISE)
        self._since = redis.register_script(_SINCE)
        self._all = redis.register_script(_ALL)

    async def revoke(self, tokens: dict[str, int], *, now: float) -> None:
        """Log out these token ids (each with its expiry) everywhere."""
        keys = self._keys
        pairs = [value for item in tokens.items() for value in item]
        await self._revoke(
            [keys.revocation_meta(), keys.revoked_tokens(), keys.revocation_changes()],
            [_new_epoch(), self._kept, int(now), *pairs],
        )

    async def raise_generations(self, generations: dict[int, int]) -> None:
        """Raise these users' generations (never lowers one)."""
        keys = self._keys
        pairs = [value for item in generations.items() for value in item]
        await self._raise(
            [keys.revocation_meta(), keys.raised_generations(), keys.revocation_changes()],
            [_new_epoch(), self._kept, *pairs],
        )

    async def read_since(self, epoch: str, version: int) -> Read | None:
        """The changes after ``version`` of ``epoch``; ``None`` when they are not all
        in the log any more (or the epoch is another): read everything instead."""
        keys = self._keys
        found: list[Any] = await self._since(
            [keys.revocation_meta(), keys.revocation_changes()], [_new_epoch(), version]
        )
        now_epoch, now_version, changes = _text(found[0]), int(found[1]), found[2]
        if now_epoch != epoch or now_version < version:
            return None
        if len(changes) != now_version - version:  # the oldest were trimmed
            return None
        revoked = Revoked({}, {})
        for change in changes:
            kind, first, second = _text(change).split(":", 2)
            if kind == "t":
                revoked.tokens[second] = int(first)
            else:
                revoked.generations[int(first)] = int(second)
        return Read(now_epoch, now_version, revoked, complete=False)

    async def read_all(self, *, now: float) -> Read:
        """Everything Redis knows (tokens expired by ``now`` are dropped)."""
        keys = self._keys
        found: list[Any] = await self._all(
            [keys.revocation_meta(), keys.revoked_tokens(), keys.raised_generations()],
            [_new_epoch(), int(now)],
        )
        tokens, generations = found[2], found[3]
        revoked = Revoked(
            {_text(token): int(float(expiry)) for token, expiry in _pairs(tokens)},
            {int(user): int(generation) for user, generation in _pairs(generations)},
        )
        return Read(_text(found[0]), int(found[1]), revoked, complete=True)


def _new_epoch() -> str:
    """The epoch a script starts if the data has none (a new or emptied Redis)."""
    return secrets.token_hex(8)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _pairs(flat: list[Any]) -> list[tuple[Any, Any]]:
    return list(zip(flat[::2], flat[1::2], strict=True))
