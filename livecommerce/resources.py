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
from livecommerce.analytics.ledger import Ledger
from livecommerce.draws.commands import run_desk
from livecommerce.draws.desk import DrawDesk
from livecommerce.draws.entries import MemoryEntries, RedisEntries
from livecommerce.follows.desk import Follows
from livecommerce.follows.runner import deliveries_forever, rounds_forever
from livecommerce.follows.sender import Policy
from livecommerce.gifts.commands import run_settlement
from livecommerce.gifts.runtime import GiftRuntime, build_gifts
from livecommerce.groups.closing import run_groups
from livecommerce.groups.desk import GroupDesk
from livecommerce.groups.runtime import build_groups
from livecommerce.heap import HeapSteward
from livecommerce.hub import Hub
from livecommerce.media import MediaNode, RelayNode
from livecommerce.media.blobs import BlobStore, build_blob_store
from livecommerce.media.recorders import Recordings
from livecommerce.media.recording import RecordingInfo
from livecommerce.metrics import Metrics
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.runtime import build_checkout, start_order_path
from livecommerce.promotions.desk import Coupons, build_coupons
from livecommerce.rooms import replay_commands, replays
from livecommerce.rooms.chat_poster import ChatPoster
from livecommerce.rooms.replay_commands import retention_forever
from livecommerce.rooms.snapshot_cache import SnapshotCache
from livecommerce.rooms.spans import SpanCache
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from livecommerce.storage.show_log import DatabaseWriter, ShowLog
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
    draws: DrawDesk
    show_log: ShowLog
    ledger: Ledger
    follows: Follows
    spans: SpanCache
    """The EXT-X-DATERANGE lines of each room's playlists, kept between requests."""
    metrics: Metrics = field(default_factory=Metrics)
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)
    node_limiter: MemoryRateLimiter = field(default_factory=MemoryRateLimiter)
    """Counts on this node only: for hot paths where a Redis round trip per attempt
    costs more than a per-node (N times looser) limit gives away."""
    blobs: BlobStore | None = None
    """Recordings and HLS segments; None when recording is off."""
    heap: HeapSteward | None = None
    """Set by ``livecommerce serve`` only: test apps leave the process's gc alone."""
    exits: AsyncExitStack = field(default_factory=AsyncExitStack)
    supervisor: Supervisor = field(default_factory=Supervisor)

    async def remove_recordings(self, room_id: int) -> int:
        """Delete every stored recording of a room (segments, playlists, manifests)."""
        blobs = self.blobs
        return 0 if blobs is None else await blobs.delete_prefix(f"recordings/{room_id}/")

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


def _recordings(db: Database, blobs: BlobStore | None, settings: Settings) -> Recordings:
    """The node's recorders, which run the room's media clock: events carry ``media_t``
    from the recording's first frame to its end."""

    async def started(info: RecordingInfo) -> None:
        await replay_commands.media_clock_started(
            db, room_id=info.room_id, recording_id=info.recording_id,
            media_origin=info.media_origin,
        )  # fmt: skip

    async def ended(info: RecordingInfo) -> None:
        await replay_commands.media_clock_stopped(
            db, room_id=info.room_id, recording_id=info.recording_id
        )

    return Recordings(
        blobs, segment_seconds=settings.media_segment_seconds,
        part_seconds=settings.media_part_seconds, on_started=started, on_ended=ended,
    )  # fmt: skip


def _span_loader(db: Database) -> Callable[[int], Awaitable[list[str]]]:
    async def load(room_id: int) -> list[str]:
        async with db.read() as session:
            return await replays.dateranges(session, room_id)

    return load


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
    hub = Hub(
        keys,
        redis,
        settings.node_id,
        tick=settings.ws_tick_ms / 1000,
        frames_per_second=settings.ws_frames_per_second,
        viewer_chat_rate=settings.viewer_chat_rate,
        spawn=supervisor.spawn,
    )
    entries = RedisEntries(redis, keys) if redis else MemoryEntries()
    blobs = build_blob_store(settings) if settings.media_recording else None
    resources = Resources(
        settings=settings,
        db=db,
        redis=redis,
        keys=keys,
        passwords=Passwords(memory_kib=settings.password_hash_memory_kib),
        tokens=TokenSigner(settings.secret_key, ttl_seconds=settings.token_ttl_seconds),
        csrf=TokenSigner(settings.secret_key, ttl_seconds=CSRF_TTL_SECONDS, purpose="csrf"),
        limiter=RedisRateLimiter(redis, keys) if redis else MemoryRateLimiter(),
        hub=hub,
        media=RelayNode(
            max_viewers=settings.media_max_viewers,
            ice_servers=settings.media_ice_servers,
            connect_timeout=settings.media_connect_timeout,
            spawn=supervisor.spawn,
            recordings=_recordings(db, blobs, settings),
        ),
        blobs=blobs,
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
        draws=DrawDesk(db, entries, hub.local_users),
        show_log=ShowLog(DatabaseWriter(db)),
        follows=build_follows(db, settings),
        spans=SpanCache(_span_loader(db)),
        supervisor=supervisor,
        groups=build_groups(checkout, redis, keys, settings),
        ledger=Ledger(
            db,
            enabled=settings.analytics_enabled,
            flush_seconds=settings.analytics_flush_seconds,
            salt=settings.secret_key,
        ),
    )
    resources.on_close(db.dispose)
    # After the hub stopped (closing steps run last-registered first): the events of
    # the last moments are written too; the ledger runs after the hub and media have
    # closed their sockets, before the database goes.
    resources.on_close(resources.show_log.close)
    resources.on_close(resources.ledger.close)
    if redis is not None:
        resources.on_close(redis.aclose)
    await resources.hub.start()
    resources.on_close(resources.hub.stop)
    resources.on_close(resources.media.close)
    resources.on_close(resources.chat.close)
    db.sink = resources.ledger.tap(resources.hub)
    resources.hub.heard = resources.ledger.heard
    resources.ledger.viewers = resources.hub.viewer_count
    if settings.analytics_enabled:
        resources.spawn(resources.ledger.run(), "analytics-ledger")
    resources.hub.record = resources.show_log.add
    resources.show_log.on_written = resources.spans.written
    resources.spawn(resources.show_log.run(), "show-log")
    resources.checkout.deliver_after = timedelta(days=settings.order_deliver_after_days)
    resources.checkout.return_window = timedelta(days=settings.order_return_window_days)
    resources.checkout.refund_max_attempts = settings.refund_max_attempts
    resources.checkout.sandbox_refuses_refunds = settings.sandbox_refuse_refunds
    resources.spawn(db.relay_forever(), "outbox-relay")
    resources.metrics.watch_media(resources.media.stats)
    resources.metrics.watch_ledger(resources.ledger.health)
    start_order_path(resources.checkout, resources.spawn, resources.metrics)
    _start_gifts(resources)
    resources.spawn(run_groups(resources.groups), "group-buys")
    resources.spawn(run_desk(resources.draws), "draws")
    # Before the first request, so that no token check waits for Redis or the database.
    await resources.revocations.refresh()
    if redis is not None:
        resources.spawn(resources.revocations.run(), "token-revocations")
    resources.spawn(
        retention_forever(db, days=settings.recording_retention_days,
                          remove_media=resources.remove_recordings),
        "recording-retention",
    )  # fmt: skip
    resources.coupons.clock = resources.checkout.clock
    resources.spawn(resources.coupons.news.run(db.deliver), "coupon-news")
    resources.on_close(resources.follows.close)
    resources.follows.clock = resources.checkout.clock
    resources.spawn(rounds_forever(resources.follows), "reminder-rounds")
    resources.spawn(deliveries_forever(resources.follows), "webhook-deliveries")
    return resources


def build_follows(db: Database, settings: Settings) -> Follows:
    policy = Policy(
        base=timedelta(seconds=settings.webhook_retry_base_seconds),
        max_attempts=settings.webhook_max_attempts,
        timeout=settings.webhook_timeout_seconds,
        allow_loopback=settings.webhook_allow_loopback,
    )
    return Follows(
        db, settings.node_public_url(), policy,
        lead=timedelta(minutes=settings.reminder_lead_minutes),
        chunk=settings.reminder_chunk, tick=settings.follows_tick_seconds,
    )  # fmt: skip
