"""The stock gate on a real Redis Cluster under a burst larger than a shard's pool."""

from __future__ import annotations

import asyncio

from livecommerce.orders.gate import Outcome
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.settings import Settings
from livecommerce.storage.keys import Keys
from tests import services
from tests.orders.test_gate import buy, open_sale

# The app's pool size: a cluster client's per-node pool refuses a call beyond it.
POOL = Settings.model_fields["redis_max_connections"].default
BURST = 600


async def test_a_burst_beyond_the_pool_is_answered_not_refused(
    redis_cluster_url: str, redis_keys: Keys
) -> None:
    """600 buyers at once on one sale: every attempt is judged, none is 'unreachable'."""
    assert BURST > POOL
    client = await services.connect(redis_cluster_url, max_connections=POOL)
    try:
        gate = RedisGate(client, redis_keys)
        ref = await open_sale(gate, quantity=100, limit=1)
        answers = await asyncio.gather(
            *(buy(gate, ref, buyer, "k") for buyer in range(BURST)), return_exceptions=True
        )
        failed = [a for a in answers if isinstance(a, BaseException)]
        assert failed == []
        won = [
            a for a in answers if not isinstance(a, BaseException) and a.outcome is Outcome.RESERVED
        ]
        assert len(won) == 100
    finally:
        await client.aclose()
        await services.delete_prefix(redis_cluster_url, redis_keys.prefix)
