"""The order path's per-process state: gate, sold-out flags, sale facts, news, clock.

``Checkout`` is the first argument of the order services, the way a session is for
plain database services: it is what a node knows beyond the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livecommerce.coalesce import Coalescer
from livecommerce.orders.gate import HolderReader, Holders, SaleRef, StockGate
from livecommerce.orders.news import SaleNews
from livecommerce.orders.sold_out import SoldOutMark, SoldOutMarks
from livecommerce.orders.stock import Take
from livecommerce.orders.views import PlacedOrder
from livecommerce.sales.service import get_sale
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import Order, utcnow

MAX_CACHED_SALES = 10_000
# Orders per group commit. Its statements run for many rows at once, which SQLAlchemy
# pages under each driver's bind-parameter limit; this bounds how long one transaction
# holds the sale row.
ORDERS_PER_COMMIT = 256


OrderHook = Callable[[UnitOfWork, Order], Awaitable[None]]
"""Called inside the transaction that moved the order, with the order as moved: how a
later domain (group buys) follows orders without the orders domain importing it."""


def _ignore(seconds: float) -> None:
    return None


@dataclass
class Checkout:
    db: Database
    gate: StockGate
    news: SaleNews = field(default_factory=SaleNews)
    payment_ttl: timedelta = timedelta(minutes=15)
    deliver_after: timedelta = timedelta(days=10)
    """A shipment nobody confirmed is delivered this long after shipping."""
    return_window: timedelta = timedelta(days=7)
    """How long after delivery a buyer may return without a reason."""
    refund_max_attempts: int = 5
    """Provider refusals of one refund before the retry loop marks it failed."""
    sandbox_refuses_refunds: bool = False
    # Stock can come back on another node (an expired order); a short-lived mark means
    # a reopened sale is buyable here again within about a second (``sold_out``).
    sold_out_ttl: float = 1.0
    clock: Callable[[], datetime] = utcnow
    # Set when an order bypassed the gate (Redis down): the gate undercounts until the
    # next reconciliation, which this flag asks for.
    gate_stale: bool = False
    # Latency observers (seconds), so metrics stay out of the domain.
    observe_gate: Callable[[float], None] = _ignore
    observe_commit: Callable[[float], None] = _ignore
    # Winners of the same sale reserved while a write is in flight share the next one.
    commits: Coalescer[Take, PlacedOrder] = field(
        default_factory=lambda: Coalescer(max_batch=ORDERS_PER_COMMIT)
    )
    paid_hooks: list[OrderHook] = field(default_factory=list)
    """Run when an order becomes paid."""
    close_hooks: list[OrderHook] = field(default_factory=list)
    """Run when a pending order is cancelled or expires (its units already returned)."""
    marks: SoldOutMarks = field(init=False)
    # Sales whose gate this node is reloading now, so a crowd asks for one reload.
    resyncing: set[int] = field(default_factory=set)
    _sales: dict[int, SaleView] = field(default_factory=dict)
    _loading: dict[int, asyncio.Future[SaleView]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.marks = SoldOutMarks(self._holders, ttl=self.sold_out_ttl)

    async def holders(self, ref: SaleRef, *, known: str | None) -> Holders | None:
        """Who holds the sale's units by the gate (keys left out if ``known`` is current)."""
        return await self._holders(ref, known)

    async def _holders(self, ref: SaleRef, known: str | None) -> Holders | None:
        gate = self.gate
        if isinstance(gate, HolderReader):
            return await gate.holders(ref, known=known)
        state = await gate.snapshot(ref)  # any gate can tell this way, at a higher price
        if state is None:
            return None
        return Holders(state.quantity, state.sold, "", frozenset(state.keys))

    def sold_out(self, sale_id: int) -> SoldOutMark | None:
        return self.marks.get(sale_id)

    def is_sold_out(self, sale_id: int) -> bool:
        return self.marks.get(sale_id) is not None

    def mark_sold_out(self, ref: SaleRef) -> None:
        self.marks.mark(ref)

    def clear_sold_out(self, sale_id: int) -> None:
        self.marks.clear(sale_id)

    def cached_sale(self, sale_id: int) -> SaleView | None:
        """The sale's terms if this node has read them already; never does I/O."""
        return self._sales.get(sale_id)

    async def sale(self, sale_id: int, *, refresh: bool = False) -> SaleView:
        """The sale's terms, read from the database once per node, not once per buyer.

        Only fields that never change after scheduling are trusted from the cache
        (room, product, price, limit, window); ``status`` is trusted only when it says
        cancelled, which is final.
        """
        if refresh:
            return await self._load(sale_id)
        cached = self._sales.get(sale_id)
        if cached is not None:
            return cached
        # The crowd arrives together: one read for all of them, not one each.
        loading = self._loading.get(sale_id)
        if loading is None:
            loading = self._loading[sale_id] = asyncio.ensure_future(self._load(sale_id))
            loading.add_done_callback(lambda done: self._loaded(sale_id, done))
        return await asyncio.shield(loading)

    def _loaded(self, sale_id: int, done: asyncio.Future[SaleView]) -> None:
        if self._loading.get(sale_id) is done:
            del self._loading[sale_id]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every waiter went away

    async def _load(self, sale_id: int) -> SaleView:
        async with self.db.read() as session:
            view = await get_sale(session, sale_id)
        if len(self._sales) >= MAX_CACHED_SALES:
            self._sales.clear()
        self._sales[sale_id] = view
        return view
