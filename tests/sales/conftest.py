"""The sales tests share the order tests' seeded world."""

from tests.orders.conftest import redis_client, redis_keys, world

__all__ = ["redis_client", "redis_keys", "world"]
