"""What every gate on Redis shares: how times and replies are encoded, how a batch of
script calls goes out (one pipeline, or per slot on a cluster, reloading a script a
restarted Redis forgot), and how a Redis failure becomes ``Unavailable`` so the caller
can fall back to the database path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisError
from redis.typing import EncodableT

from livecommerce.errors import Unavailable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Well under a shard's pool (redis_max_connections): a batch's calls mostly share a slot.
CLUSTER_CALLS_AT_ONCE = 32

ScriptCall = tuple[list[str], list[EncodableT]]  # keys, arguments


def micros(at: datetime) -> int:
    """Microseconds since the epoch: exact integers, which Lua compares without floats."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def text(value: bytes | str) -> str:
    # The client may or may not have been built with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else value


@contextmanager
def reachable(message: str) -> Iterator[None]:
    """Turn any Redis failure into ``Unavailable(message)``."""
    try:
        yield
    except RedisError as exc:
        raise Unavailable(message) from exc


async def cluster_scripts(
    cluster: RedisCluster, sha: str, calls: Sequence[ScriptCall]
) -> list[Any]:
    """Each call's reply or its own error, in order. A cluster pipeline refuses scripts,
    so each call goes alone to its slot's master, a bounded number at a time, since a
    cluster's per-shard pool fails rather than waits."""
    replies: list[Any] = []
    for start in range(0, len(calls), CLUSTER_CALLS_AT_ONCE):
        sent = (
            cluster.evalsha(sha, len(keys), *keys, *args)
            for keys, args in calls[start : start + CLUSTER_CALLS_AT_ONCE]
        )
        replies.extend(await asyncio.gather(*sent, return_exceptions=True))
    return replies


async def run_scripts(redis: Redis, script: AsyncScript, calls: Sequence[ScriptCall]) -> list[Any]:
    """Each call of ``script``'s reply or its own error, in order, sent as one pipeline
    (on a cluster, by ``cluster_scripts``). A Redis that restarted has forgotten the
    script: the calls it refused for that run again once it is loaded back. A failure of
    the whole batch is every call's error."""
    try:
        replies = await _script_batch(redis, script.sha, calls)
        lost = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if lost:
            script.sha = await redis.script_load(script.script)
            again = await _script_batch(redis, script.sha, [calls[i] for i in lost])
            for i, reply in zip(lost, again, strict=True):
                replies[i] = reply
    except RedisError as exc:
        return [exc] * len(calls)
    return replies


async def _script_batch(redis: Redis, sha: str, calls: Sequence[ScriptCall]) -> list[Any]:
    if isinstance(redis, RedisCluster):
        return await cluster_scripts(redis, sha, calls)
    async with redis.pipeline(transaction=False) as pipe:
        for keys, args in calls:
            pipe.evalsha(sha, len(keys), *keys, *args)
        replies: list[Any] = await pipe.execute(raise_on_error=False)
    return replies
