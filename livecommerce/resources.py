"""Everything built at startup, in one object, torn down in reverse order at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError

from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.revocation import Revocations
from livecommerce.accounts.shared_revocations import SharedRevocations
from livecommerce.accounts.tokens import TokenSigner
from livecommerce.gifts.commands import run_settlement
from livecommerce.gifts.runtime import GiftRuntime, build_gifts
from livecommerce.groups.closing import run_groups
from livecommerce.groups.desk import GroupDesk
from livecommerce.groups.runtime import build_groups
from livecommerce.heap import HeapSteward
from livecommerce.hub import Hub
from livecommerce.media import MediaNode, RelayNode
from livecommerce.metrics import Metrics
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.runtime import build_checkout, start_order_path
from livecommerce.promotions.desk import Coupons, build_coupons
from livecommerce.rooms.chat_poster import ChatPoster
from livecommerce.rooms.snapshot_cache import SnapshotCache
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from livecommerce.supervisor import Supervisor

log = logging.getLogger(__name__)

CSRF_TTL_SECONDS = 12 * 3600
REDIS_POOL_WAIT_SECONDS = 5.0
"""How long a Redis command waits for a free pooled connection before it fails."""


@dataclass
class Resources:
    settings: Settings
    db: Database
    redis: Redis | None
    keys: Keys
    passwords: Passwords
    tokens: TokenSigner
    csrf: TokenSigner
    limiter: RateLimiter
    hub: Hub
    media: MediaNode
    checkout: Checkout
    chat: ChatPoster
    revocations: Revocations
    coupons: Coupons
    gifts: GiftRuntime
    groups: GroupDesk
    metrics: Metrics = field(default_factory=Metrics)
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)
    node_limiter: MemoryRateLimiter = field(default_factory=MemoryRateLimiter)
    """Counts on this node only: for hot paths where a Redis round trip per attempt
    costs more than a per-node (N times looser) limit gives away."""
    heap: HeapSteward | None = None
    """Set by ``livecommerce serve`` only: test apps leave the process's gc alone."""
    exits: AsyncExitStack = field(default_factory=AsyncExitStack)
    supervisor: Supervisor = field(default_factory=Supervisor)

    def on_close(self, closer: Callable[[], Awaitable[object]]) -> None:
        """Register a shutdown step; steps run last-registered first."""
        self.exits.push_async_callback(closer)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run background work for the app's lifetime, under the supervisor."""
        return self.supervisor.spawn(coro, name)

    async def close(self) -> None:
        # Background work first: its passes finish while what they use is still open.
        await self.supervisor.stop()
        await self.exits.aclose()
        await self.supervisor.stop()  # what the closing steps handed off (peer closes)


def connect_redis(settings: Settings) -> Redis | None:
    """The Redis client the settings ask for: none, one server, or a cluster."""
    if not settings.redis_url:
        return None
    if settings.redis_cluster:
        # The same command API for everything this project sends (single-slot scripts,
        # pipelines, pub/sub through the hub's own shards), so it is typed as one.
        # Its pools (one per shard) cannot wait for a connection: past the size a
        # command fails, so the size is the same setting.
        cluster = RedisCluster.from_url(
            settings.redis_url, max_connections=settings.redis_max_connections
        )
        return cast(Redis, cluster)
    # redis-py's default pool raises "Too many connections" the moment its 100 are
    # busy, so a burst of joins failed joins and chat elsewhere on the node; a bounded
    # pool that queues turns the burst into a short wait.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=REDIS_POOL_WAIT_SECONDS,
    )
    return Redis.from_pool(pool)


async def _learn_slots(cluster: RedisCluster) -> None:
    """Read the slot map now: redis-py's lazy first initialisation is not safe under
    concurrent first commands (some fail with a half-made connection)."""
    try:
        await cluster.initialize()
    except (RedisError, RedisClusterException, OSError) as exc:
        log.warning("Redis Cluster unreachable at start (%s); will retry on use", exc)


def _start_gifts(resources: Resources) -> None:
    settings, gifts = resources.settings, resources.gifts
    interval = settings.gift_settle_interval_seconds
    resources.spawn(run_settlement(gifts, interval=interval), "gift-settlement")
    tick = settings.gift_combo_tick_ms / 1000
    resources.spawn(gifts.combos.run(resources.db.deliver, interval=tick), "gift-combos")


async def build_resources(settings: Settings) -> Resources:
    db = Database(
        settings.database_url, crash_after_commit=settings.test_crash_after_commit,
        crash_after_payout=settings.test_crash_after_payout,
    )  # fmt: skip
    redis = connect_redis(settings)
    if isinstance(redis, RedisCluster):
        await _learn_slots(redis)
    keys = Keys(settings.redis_prefix)
    supervisor = Supervisor()
    checkout = build_checkout(db, redis, keys)
    resources = Resources(
        settings=settings,
        db=db,
        redis=redis,
        keys=keys,
        passwords=Passwords(memory_kib=settings.password_hash_memory_kib),
        tokens=TokenSigner(settings.secret_key, ttl_seconds=settings.token_ttl_seconds),
        csrf=TokenSigner(settings.secret_key, ttl_seconds=CSRF_TTL_SECONDS, purpose="csrf"),
        limiter=RedisRateLimiter(redis, keys) if redis else MemoryRateLimiter(),
        hub=Hub(
            keys,
            redis,
            settings.node_id,
            tick=settings.ws_tick_ms / 1000,
            frames_per_second=settings.ws_frames_per_second,
            viewer_chat_rate=settings.viewer_chat_rate,
            spawn=supervisor.spawn,
        ),
        media=RelayNode(
            max_viewers=settings.media_max_viewers,
            ice_servers=settings.media_ice_servers,
            connect_timeout=settings.media_connect_timeout,
            spawn=supervisor.spawn,
        ),
        checkout=checkout,
        chat=ChatPoster(db),
        revocations=Revocations(
            db,
            SharedRevocations(redis, keys) if redis else None,
            cache_seconds=settings.token_check_cache_seconds,
            stale_seconds=settings.token_check_stale_seconds,
        ),
        coupons=build_coupons(db, redis, keys),
        gifts=build_gifts(db, settings),
        supervisor=supervisor,
        groups=build_groups(checkout, redis, keys, settings),
    )
    resources.on_close(db.dispose)
    if redis is not None:
        resources.on_close(redis.aclose)
    await resources.hub.start()
    resources.on_close(resources.hub.stop)
    resources.on_close(resources.media.close)
    resources.on_close(resources.chat.close)
    db.sink = resources.hub
    resources.checkout.deliver_after = timedelta(days=settings.order_deliver_after_days)
    resources.checkout.return_window = timedelta(days=settings.order_return_window_days)
    resources.checkout.refund_max_attempts = settings.refund_max_attempts
    resources.checkout.sandbox_refuses_refunds = settings.sandbox_refuse_refunds
    resources.spawn(db.relay_forever(), "outbox-relay")
    resources.metrics.watch_media(resources.media.stats)
    start_order_path(resources.checkout, resources.spawn, resources.metrics)
    _start_gifts(resources)
    resources.spawn(run_groups(resources.groups), "group-buys")
    # Before the first request, so that no token check waits for Redis or the database.
    await resources.revocations.refresh()
    if redis is not None:
        resources.spawn(resources.revocations.run(), "token-revocations")
    resources.coupons.clock = resources.checkout.clock
    resources.spawn(resources.coupons.news.run(db.deliver), "coupon-news")
    return resources
