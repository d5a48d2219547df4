"""The pub/sub connections of one node: one to a single Redis, one per master on a cluster.

Each :class:`Shard` is a dedicated connection (its own one-connection pool) built from
the settings of the client the app already has, so credentials and TLS follow the
configuration. Retries are off on purpose: redis-py would otherwise reconnect and
resubscribe silently, and the events published meanwhile would only be noticed at the
room's next event; the broker wants to see the loss, resubscribe and catch up at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import SlotNotCoveredError

SINGLE = "redis"
# Connection settings a cluster node carries for the cluster client's own use only.
_CLUSTER_ONLY = ("oss_", "maint")


class Shard:
    """One pub/sub connection and the rooms subscribed (or being subscribed) on it."""

    def __init__(self, name: str, pool: ConnectionPool, sharded: bool) -> None:
        self.name = name
        self._pool = pool
        self.pubsub: PubSub = Redis(connection_pool=pool).pubsub()
        self.sharded = sharded
        self.rooms: set[int] = set()

    async def subscribe(self, channel: str) -> None:
        if self.sharded:
            await self.pubsub.ssubscribe(channel)
        else:
            await self.pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        if self.sharded:
            await self.pubsub.sunsubscribe(channel)
        else:
            await self.pubsub.unsubscribe(channel)

    async def next_message(self) -> dict[str, Any] | None:
        message: dict[str, Any] | None = await self.pubsub.get_message(timeout=None)
        return message

    async def connect(self) -> None:
        await self.pubsub.connect()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._pool.disconnect()


def shard_for(
    redis: Redis | RedisCluster, channel: str
) -> tuple[str, Callable[[], ConnectionPool]]:
    """Where ``channel`` is served: the shard's name, and how to open a pool to it."""
    if isinstance(redis, RedisCluster):
        node = redis.get_node_from_key(channel)
        if node is None:
            raise SlotNotCoveredError(f"no master serves {channel}")
        kwargs = {
            k: v for k, v in node.connection_kwargs.items() if not k.startswith(_CLUSTER_ONLY)
        }
        return node.name, lambda: _pool(node.connection_class, kwargs)
    pool = redis.connection_pool
    return SINGLE, lambda: _pool(pool.connection_class, dict(pool.connection_kwargs))


def _pool(connection_class: Any, kwargs: dict[str, Any]) -> ConnectionPool:
    settings = {**kwargs, "retry": Retry(NoBackoff(), 0)}
    return ConnectionPool(connection_class=connection_class, max_connections=1, **settings)
