"""The order path's per-process state: gate, sold-out flags, sale facts, news, clock.

``Checkout`` is the first argument of the order services, the way a session is for
plain database services: it is what a node knows beyond the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livecommerce.orders.gate import StockGate
from livecommerce.orders.news import SaleNews
from livecommerce.sales.service import get_sale
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import Database
from livecommerce.storage.models import utcnow

MAX_CACHED_SALES = 10_000


def _ignore(seconds: float) -> None:
    return None


@dataclass
class Checkout:
    db: Database
    gate: StockGate
    news: SaleNews = field(default_factory=SaleNews)
    payment_ttl: timedelta = timedelta(minutes=15)
    # Stock can come back on another node (an expired order); a short-lived flag means
    # a reopened sale is buyable here again within about a second.
    sold_out_ttl: float = 1.0
    clock: Callable[[], datetime] = utcnow
    # Set when an order bypassed the gate (Redis down): the gate undercounts until the
    # next reconciliation, which this flag asks for.
    gate_stale: bool = False
    # Latency observers (seconds), so metrics stay out of the domain.
    observe_gate: Callable[[float], None] = _ignore
    observe_commit: Callable[[float], None] = _ignore
    _sold_out: dict[int, float] = field(default_factory=dict)
    _sales: dict[int, SaleView] = field(default_factory=dict)

    def is_sold_out(self, sale_id: int) -> bool:
        since = self._sold_out.get(sale_id)
        if since is None:
            return False
        if time.monotonic() - since > self.sold_out_ttl:
            del self._sold_out[sale_id]
            return False
        return True

    def mark_sold_out(self, sale_id: int) -> None:
        self._sold_out[sale_id] = time.monotonic()

    def clear_sold_out(self, sale_id: int) -> None:
        self._sold_out.pop(sale_id, None)

    async def sale(self, sale_id: int, *, refresh: bool = False) -> SaleView:
        """The sale's terms, read from the database once per node, not once per buyer.

        Only fields that never change after scheduling are trusted from the cache
        (room, product, price, limit, window); ``status`` is trusted only when it says
        cancelled, which is final.
        """
        cached = self._sales.get(sale_id)
        if cached is not None and not refresh:
            return cached
        async with self.db.read() as session:
            view = await get_sale(session, sale_id)
        if len(self._sales) >= MAX_CACHED_SALES:
            self._sales.clear()
        self._sales[sale_id] = view
        return view
