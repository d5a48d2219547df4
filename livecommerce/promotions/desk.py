"""The coupon path's per-process state: the claim gate, drop terms, news, clock.

``Coupons`` is the first argument of the coupon use cases, as ``Checkout`` is of the
order ones: what a node knows beyond the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis

from livecommerce.coalesce import Coalescer
from livecommerce.promotions.gate import ClaimGate, MemoryClaimGate
from livecommerce.promotions.news import CouponNews
from livecommerce.promotions.redis_gate import RedisClaimGate
from livecommerce.promotions.views import DropView, PlacedClaim
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import utcnow

WINNERS_PER_BATCH = 200


@dataclass
class Coupons:
    db: Database
    gate: ClaimGate
    news: CouponNews = field(default_factory=CouponNews)
    clock: Callable[[], datetime] = utcnow
    # Terms of drops this node has read; only fields that never change are trusted.
    drops: dict[int, DropView] = field(default_factory=dict)
    # Winners (buyer, key) of a drop waiting while its last batch commits (claim_batch).
    writes: Coalescer[tuple[int, str], PlacedClaim] = field(
        default_factory=lambda: Coalescer(max_batch=WINNERS_PER_BATCH)
    )


def build_coupons(db: Database, redis: Redis | None, keys: Keys) -> Coupons:
    """The Redis claim gate in the scaled shape, the in-process one in the embedded one."""
    gate: ClaimGate = RedisClaimGate(redis, keys) if redis is not None else MemoryClaimGate()
    return Coupons(db, gate)
