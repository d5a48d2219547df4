"""Pick the hub's broker and presence for a deployment shape: Redis or in-process."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from livecommerce.hub.broker import Broker, MemoryBroker
from livecommerce.hub.log import MemoryLog
from livecommerce.hub.presence import MemoryPresence, Presence
from livecommerce.hub.redis_broker import RedisBroker
from livecommerce.hub.redis_log import RedisLog
from livecommerce.hub.redis_presence import RedisPresence
from livecommerce.storage.keys import Keys


def build_adapters(
    keys: Keys,
    redis: Redis | None,
    node_id: str,
    retention: int,
    log_ttl: float,
    presence_ttl: float,
    keep_seconds: float,
    now: Callable[[], str],
) -> tuple[Broker, Presence]:
    if redis is None:
        return MemoryBroker(MemoryLog(retention=retention, clock=now)), MemoryPresence()
    # Sharded pub/sub on a cluster keeps each room's news on the shard of its slot.
    publish = "SPUBLISH" if isinstance(redis, RedisCluster) else "PUBLISH"
    redis_log = RedisLog(
        redis, keys, retention=retention, ttl_seconds=log_ttl, clock=now, publish=publish
    )
    presence = RedisPresence(
        redis, keys, node_id, ttl_seconds=presence_ttl, keep_seconds=keep_seconds
    )
    broker = RedisBroker(redis, keys, redis_log)
    return broker, presence
