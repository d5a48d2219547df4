"""Fixtures for the coupon tests: the claim gate on memory, Redis and Redis Cluster."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from livecommerce.promotions.gate import ClaimGate, MemoryClaimGate
from livecommerce.promotions.redis_gate import RedisClaimGate
from livecommerce.storage.keys import Keys
from tests.orders.conftest import cluster_client, redis_client, redis_keys

__all__ = ["cluster_client", "redis_client", "redis_keys"]


@pytest.fixture(params=["memory", "redis", "cluster"])
def claim_gate(request: pytest.FixtureRequest, redis_keys: Keys) -> ClaimGate:
    if request.param == "memory":
        return MemoryClaimGate()
    name = "redis_client" if request.param == "redis" else "cluster_client"
    client: Redis = request.getfixturevalue(name)
    return RedisClaimGate(client, redis_keys)
