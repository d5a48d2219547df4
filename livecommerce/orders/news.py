"""Coalesced commerce events: ``sale.stock`` and ``order.placed.summary``.

A sale that sells 10,000 units in three seconds must not send 10,000 stock events to
every viewer. Committed changes are recorded here and published once per tick: the
latest stock of each sale that moved, and how many orders it took since the last tick.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from livecommerce.events.base import Emitted
from livecommerce.loops import pause, reraise_if_cancelled
from livecommerce.orders.events import OrdersPlaced
from livecommerce.sales.events import SaleStock

log = logging.getLogger(__name__)

Deliver = Callable[[Sequence[Emitted]], Awaitable[None]]


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

    def take(self) -> list[Emitted]:
        """The events for what moved since the last take: each sale's latest stock, and
        how many orders it took."""
        moved, self._moved = self._moved, {}
        events: list[Emitted] = []
        for sale_id, m in moved.items():
            stock = SaleStock(sale_id=sale_id, sold=m.sold, quantity=m.quantity,
                              remaining=m.quantity - m.sold)  # fmt: skip
            events.append(stock.emitted(m.room_id))
            if m.placed:
                events.append(OrdersPlaced(sale_id=sale_id, count=m.placed).emitted(m.room_id))
        return events

    async def flush(self, deliver: Deliver) -> int:
        """Publish what moved since the last flush; return how many sales it covered."""
        events = self.take()
        await deliver(events)
        return sum(1 for e in events if e.type == SaleStock.type)

    async def run(self, deliver: Deliver, *, interval: float = 0.25) -> None:
        """Flush every ``interval`` seconds (``deliver``: the database's event sink)."""
        while True:
            await pause(interval)
            try:
                await self.flush(deliver)
            except Exception:
                reraise_if_cancelled()
                log.exception("publishing sale news failed")
