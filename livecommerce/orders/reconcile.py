"""Rebuild the stock gate from the database, the authority.

Runs at startup, when the gate's epoch changes (Redis lost its data), after orders
bypassed the gate, on a slow timer, and for one sale when the gate does not know it.
A rebuild can race a reservation whose database write is still in flight and so
undercount by that order's units; the database's conditional update still refuses
any oversell, and the next rebuild corrects the count.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import Unavailable
from livecommerce.orders._loop import pause, reraise_if_cancelled
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import GateSale
from livecommerce.sales.lifecycle import OPEN_STATUSES, SaleStatus
from livecommerce.sales.views import SaleView
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter

log = logging.getLogger(__name__)

HOLDING = ("pending_payment", "paid")  # order states whose units are taken


async def gate_state(session: AsyncSession, sale: SaleView) -> GateSale:
    """The gate state the database implies for ``sale``."""
    counters = await session.execute(
        select(PurchaseCounter.user_id, PurchaseCounter.quantity).where(
            PurchaseCounter.sale_id == sale.id, PurchaseCounter.quantity > 0
        )
    )
    orders = await session.execute(
        select(Order.buyer_id, Order.idempotency_key, Order.quantity, Order.status).where(
            Order.sale_id == sale.id
        )
    )
    keys = {(b, k): (q if status in HOLDING else 0) for b, k, q, status in orders.all()}
    return GateSale(
        ref=sale.ref, quantity=sale.quantity, per_user_limit=sale.per_user_limit,
        starts_at=sale.starts_at, ends_at=sale.ends_at, sold=sale.sold,
        buyers={u: q for u, q in counters.all()}, keys=keys,
    )  # fmt: skip


async def reconcile_sale(checkout: Checkout, sale_id: int) -> SaleView:
    """Load one sale's gate from the database (or drop it if cancelled); return the sale."""
    async with checkout.db.read() as session:
        row = await session.get(FlashSale, sale_id)
        if row is None:
            return await checkout.sale(sale_id, refresh=True)  # raises NotFound
        sale = SaleView.of(row)
        state = await gate_state(session, sale)
    if sale.status == SaleStatus.CANCELLED:
        await checkout.gate.drop(sale.ref)
    else:
        await checkout.gate.load(state)
    return sale


async def reconcile_open_sales(checkout: Checkout) -> int:
    """Rebuild the gate of every sale that can still sell; return how many."""
    open_values = [s.value for s in OPEN_STATUSES]
    async with checkout.db.read() as session:
        ids = list(
            await session.scalars(select(FlashSale.id).where(FlashSale.status.in_(open_values)))
        )
    for sale_id in ids:
        await reconcile_sale(checkout, sale_id)
    return len(ids)


async def watch_gate(
    checkout: Checkout, *, check_every: float = 2.0, rebuild_every: float = 60.0
) -> None:
    """Rebuild when the epoch changes, after a bypass, and every ``rebuild_every`` s."""
    known: str | None = None
    since_rebuild = 0.0
    while True:
        try:
            epoch = await checkout.gate.epoch()
            if epoch != known or checkout.gate_stale or since_rebuild >= rebuild_every:
                checkout.gate_stale = False
                count = await reconcile_open_sales(checkout)
                log.info("stock gate rebuilt for %d sales (epoch %s)", count, epoch)
                known, since_rebuild = epoch, 0.0
        except Unavailable:
            reraise_if_cancelled()
            checkout.gate_stale = True  # rebuild as soon as the gate answers again
        except Exception:
            reraise_if_cancelled()
            log.exception("stock gate reconciliation failed")
        await pause(check_every)
        since_rebuild += check_every
