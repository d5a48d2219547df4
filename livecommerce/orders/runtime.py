"""Building the order path and starting its background loops, for the app's lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from redis.asyncio import Redis

from livecommerce.metrics import Metrics
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.fulfilment import run_fulfilment
from livecommerce.orders.gate import MemoryGate, StockGate
from livecommerce.orders.payment import build_providers
from livecommerce.orders.reconcile import watch_gate
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.orders.refunds import run_refunds
from livecommerce.orders.service import run_expiry
from livecommerce.sales.scheduler import run_scheduler
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys

Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]


def build_checkout(db: Database, redis: Redis | None, keys: Keys) -> Checkout:
    """The Redis gate in the scaled shape, the in-process gate in the embedded one."""
    gate: StockGate = RedisGate(redis, keys) if redis is not None else MemoryGate()
    return Checkout(db, gate)


def start_order_path(checkout: Checkout, spawn: Spawn, metrics: Metrics | None = None) -> None:
    """Start the loops every node runs: the sale scheduler, order expiry, delivery and
    completion timers, refund retries, the gate watcher (its first pass rebuilds the
    gate from the database) and sale news."""
    if metrics is not None:
        checkout.observe_gate = metrics.gate_seconds.observe
        checkout.observe_commit = metrics.commit_seconds.observe
    spawn(run_scheduler(checkout.db, clock=checkout.clock), "sales-scheduler")
    spawn(run_expiry(checkout), "order-expiry")
    spawn(
        run_fulfilment(
            checkout.db, deliver_after=checkout.deliver_after,
            return_window=checkout.return_window, clock=checkout.clock,
        ),
        "order-fulfilment",
    )  # fmt: skip
    providers = build_providers(refuse_refunds=checkout.sandbox_refuses_refunds)
    spawn(
        run_refunds(checkout.db, providers, clock=checkout.clock,
                    max_attempts=checkout.refund_max_attempts),
        "order-refunds",
    )  # fmt: skip
    spawn(watch_gate(checkout), "stock-gate-watch")
    spawn(checkout.news.run(checkout.db.deliver), "sale-news")
