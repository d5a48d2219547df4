"""What gifts need at run time, built once per app from the settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livecommerce.gifts.combos import Combos, RoomRate
from livecommerce.gifts.ledger import Known
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import utcnow


@dataclass(frozen=True, slots=True)
class GiftPolicy:
    """The limits and terms of sending gifts (``LIVECOMMERCE_GIFT_*``)."""

    max_per_send: int = 50_000
    max_per_day: int = 200_000
    max_per_month: int = 1_000_000
    max_top_up: int = 1_000_000
    fee_percent: int = 30
    settle_after: timedelta = timedelta(days=3)

    @classmethod
    def of(cls, settings: Settings) -> GiftPolicy:
        return cls(
            max_per_send=settings.gift_max_cents_per_send,
            max_per_day=settings.gift_max_cents_per_day,
            max_per_month=settings.gift_max_cents_per_month,
            max_top_up=settings.gift_max_top_up_cents,
            fee_percent=settings.gift_platform_fee_percent,
            settle_after=timedelta(seconds=settings.gift_settle_after_seconds),
        )

    def fee(self, amount: int) -> int:
        return amount * self.fee_percent // 100


@dataclass
class GiftRuntime:
    db: Database
    policy: GiftPolicy
    rate: RoomRate
    combos: Combos = field(default_factory=Combos)
    accounts: Known = field(default_factory=dict)
    sandbox_top_up: bool = False
    """Whether wallets may be topped up through the sandbox provider (no money taken)."""
    clock: Callable[[], datetime] = utcnow


def build_gifts(db: Database, settings: Settings) -> GiftRuntime:
    return GiftRuntime(
        db=db,
        policy=GiftPolicy.of(settings),
        rate=RoomRate(settings.gift_room_events_per_second, time.monotonic),
        sandbox_top_up=settings.payments_sandbox,
    )
