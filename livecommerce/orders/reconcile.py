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
from livecommerce.loops import pause, reraise_if_cancelled
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import GateSale, SaleRef
from livecommerce.orders.lifecycle import RESERVING
from livecommerce.sales.lifecycle import OPEN_STATUSES, SaleStatus
from livecommerce.sales.views import SaleView
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter

log = logging.getLogger(__name__)

HOLDING = RESERVING  # order states whose units the deal counts as taken


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


Levels = dict[int, tuple[int, int]]  # sale id -> (database sold, gate sold)


async def _levels(checkout: Checkout, versions: dict[int, str]) -> Levels:
    """Units sold of every selling sale, by the database and by the gate."""
    selling = [SaleStatus.LIVE.value, SaleStatus.SOLD_OUT.value]
    async with checkout.db.read() as session:
        rows = (
            await session.execute(
                select(FlashSale.id, FlashSale.room_id, FlashSale.sold).where(
                    FlashSale.status.in_(selling)
                )
            )
        ).all()
    levels: Levels = {}
    for sale_id, room_id, sold in rows:
        held = await checkout.holders(SaleRef(room_id, sale_id), known=versions.get(sale_id))
        if held is not None:
            versions[sale_id] = held.version
            levels[sale_id] = (sold, held.sold)
    return levels


async def repair_drift(checkout: Checkout, previous: Levels, versions: dict[int, str]) -> Levels:
    """Rebuild each sale whose gate and database disagreed, unchanged, at two checks.

    A reservation in flight makes them differ for milliseconds and moves on; the same
    disagreement still there a check later is a loss (units reserved by a node that
    died, a Redis that came back with an old copy) that would otherwise last until the
    timed rebuild. Returns this check's levels, for the next one.
    """
    levels = await _levels(checkout, versions)
    for sale_id, (db_sold, gate_sold) in list(levels.items()):
        if db_sold != gate_sold and previous.get(sale_id) == (db_sold, gate_sold):
            log.warning(
                "stock gate drifted on sale %d (database %d sold, gate %d); rebuilding",
                sale_id, db_sold, gate_sold,
            )  # fmt: skip
            await reconcile_sale(checkout, sale_id)
            levels.pop(sale_id)
    return levels


async def watch_gate(
    checkout: Checkout, *, check_every: float = 2.0, rebuild_every: float = 60.0
) -> None:
    """Rebuild when the epoch changes, after a bypass, and every ``rebuild_every`` s."""
    known: str | None = None
    since_rebuild = 0.0
    levels: Levels = {}
    versions: dict[int, str] = {}
    while True:
        epoch: str | None = None
        rebuilding = False
        try:
            epoch = await checkout.gate.epoch()
            if epoch != known or checkout.gate_stale or since_rebuild >= rebuild_every:
                rebuilding, checkout.gate_stale = True, False
                count = await reconcile_open_sales(checkout)
                log.info("stock gate rebuilt for %d sales (epoch %s)", count, epoch)
                known, since_rebuild, levels = epoch, 0.0, {}
            else:
                levels = await repair_drift(checkout, levels, versions)
        except Unavailable:
            reraise_if_cancelled()
            # Rebuild as soon as the gate answers again, if the gate was what failed or
            # a rebuild was cut short. A database outage during a drift check is not a
            # reason: rebuilding right after it would race the retried reservations.
            if epoch is None or rebuilding:
                checkout.gate_stale = True
            levels = {}
        except Exception:
            reraise_if_cancelled()
            log.exception("stock gate reconciliation failed")
        await pause(check_every)
        since_rebuild += check_every
