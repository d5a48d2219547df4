"""Building the group path and starting its timer, for the app's lifespan."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from livecommerce.groups.closing import install
from livecommerce.groups.desk import GroupDesk
from livecommerce.groups.gate import MemorySeatGate, SeatGate
from livecommerce.groups.redis_gate import RedisSeatGate
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.payment import build_providers
from livecommerce.settings import Settings
from livecommerce.storage.keys import Keys


def build_groups(
    checkout: Checkout, redis: Redis | None, keys: Keys, settings: Settings
) -> GroupDesk:
    """The Redis seat gate in the scaled shape, the in-process one in the embedded one;
    hooked into the order path. Its timer is ``closing.run_groups``."""
    gate: SeatGate = RedisSeatGate(redis, keys) if redis is not None else MemorySeatGate()
    providers = build_providers(refuse_refunds=settings.sandbox_refuse_refunds)
    desk = GroupDesk(
        checkout, gate, providers, default_duration=timedelta(hours=settings.group_hours),
        sweep_interval=settings.group_sweep_seconds,
    )  # fmt: skip
    install(desk)
    return desk
