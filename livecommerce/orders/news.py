"""Coalesced commerce events: ``sale.stock`` and ``order.placed.summary``.

A sale that sells 10,000 units in three seconds must not send 10,000 stock events to
every viewer. Committed changes are recorded here and published once per tick: the
latest stock of each sale that moved, and how many orders it took since the last tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from livecommerce.orders._loop import pause, reraise_if_cancelled
from livecommerce.storage.db import EventPublisher

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Moved:
    room_id: int
    sold: int
    quantity: int
    placed: int


class SaleNews:
    def __init__(self) -> None:
        self._moved: dict[int, _Moved] = {}

    def record(self, room_id: int, sale_id: int, *, sold: int, quantity: int, placed: int) -> None:
        """Note a committed change of ``sold``; ``placed`` counts new orders in it."""
        seen = self._moved.get(sale_id)
        if seen is None:
            self._moved[sale_id] = _Moved(room_id, sold, quantity, placed)
            return
        seen.sold, seen.placed = sold, seen.placed + placed

    async def flush(self, publisher: EventPublisher | None) -> int:
        """Publish what moved since the last flush; return how many sales it covered."""
        moved, self._moved = self._moved, {}
        if publisher is None:
            return len(moved)
        for sale_id, m in moved.items():
            stock = {"sale_id": sale_id, "sold": m.sold, "quantity": m.quantity,
                     "remaining": m.quantity - m.sold}  # fmt: skip
            await publisher.publish(m.room_id, "sale.stock", stock)
            if m.placed:
                summary = {"sale_id": sale_id, "count": m.placed}
                await publisher.publish(m.room_id, "order.placed.summary", summary)
        return len(moved)

    async def run(
        self, get_publisher: Callable[[], EventPublisher | None], *, interval: float = 0.25
    ) -> None:
        """Flush every ``interval`` seconds; the publisher is looked up each time because
        the hub may be attached after the order path starts."""
        while True:
            await pause(interval)
            try:
                await self.flush(get_publisher())
            except Exception:
                reraise_if_cancelled()
                log.exception("publishing sale news failed")
