"""Coalesced ``coupon.stock``: a drop claimed 1,000 times in two seconds sends each
viewer a few "N left" events, not a thousand."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from livecommerce.events.base import Emitted
from livecommerce.loops import pause, reraise_if_cancelled
from livecommerce.promotions.events import CouponStock

log = logging.getLogger(__name__)

Deliver = Callable[[Sequence[Emitted]], Awaitable[None]]


class CouponNews:
    def __init__(self) -> None:
        self._moved: dict[int, tuple[int, int, int | None]] = {}  # drop -> room, claimed, qty

    def record(self, room_id: int, drop_id: int, *, claimed: int, quantity: int | None) -> None:
        """Note a committed claim count; only the latest per drop is sent."""
        seen = self._moved.get(drop_id)
        if seen is None or claimed > seen[1]:
            self._moved[drop_id] = (room_id, claimed, quantity)

    def take(self) -> list[Emitted]:
        moved, self._moved = self._moved, {}
        return [
            CouponStock(
                drop_id=drop_id, claimed=claimed, quantity=quantity,
                remaining=None if quantity is None else quantity - claimed,
            ).emitted(room_id)
            for drop_id, (room_id, claimed, quantity) in moved.items()
        ]  # fmt: skip

    async def run(self, deliver: Deliver, *, interval: float = 0.25) -> None:
        while True:
            await pause(interval)
            try:
                await deliver(self.take())
            except Exception:
                reraise_if_cancelled()
                log.exception("publishing coupon news failed")
