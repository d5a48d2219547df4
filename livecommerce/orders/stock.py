"""Stock arithmetic in the database, the authority behind the gate.

Every change is a conditional update (``sold + q <= quantity``, ``counter + q <= limit``)
so two nodes, or a gate that is wrong, can never push the numbers past their bounds.
Rows are touched in one fixed order (purchase counters by buyer id, orders, the
minute's rollup row, sale), by a close too (``hold_purchase_counter``), so concurrent
transactions never deadlock, and the hot sale row is locked last and held briefly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.catalog.service import return_product_stock
from livecommerce.errors import (
    LimitExceeded,
    SaleCancelled,
    SaleEnded,
    SaleNotLive,
    SaleNotStarted,
    SoldOut,
)
from livecommerce.orders import funnel
from livecommerce.orders._bulk import add_purchases, insert_orders
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.sales.lifecycle import SaleStatus
from livecommerce.sales.scheduler import event_for
from livecommerce.sales.service import claim_transition
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter, Room

PENDING = OrderStatus.PENDING_PAYMENT.value


@dataclass(frozen=True, slots=True)
class Take:
    """One winner's order to write: the gate has reserved its units."""

    buyer_id: int
    key: str
    quantity: int


@dataclass(frozen=True, slots=True)
class StockLevel:
    """The sale's numbers right after a change, inside the same transaction."""

    sold: int
    quantity: int


def _over_limit(sale: SaleView) -> LimitExceeded:
    return LimitExceeded(f"at most {sale.per_user_limit} per buyer for this flash sale")


async def _count_purchases(session: AsyncSession, sale: SaleView, units: dict[int, int]) -> None:
    """Add ``units`` (buyer id -> units) to the buyers' counters, all or none."""
    rows = sorted(units.items())  # buyer order is lock order
    if await add_purchases(session, sale, rows) != len(rows):
        raise _over_limit(sale)


# A sale sells while its status is one of these and ``now`` is inside its window.
SELLING = [SaleStatus.SCHEDULED.value, SaleStatus.LIVE.value, SaleStatus.SOLD_OUT.value]


async def _move_sold(
    session: AsyncSession, sale_id: int, delta: int, *, now: datetime | None = None
) -> StockLevel | None:
    """Add ``delta`` to the sale's ``sold``; a take (``delta > 0``) only while it sells.

    The status and the window are read in the same conditional update that takes the
    units, never from a cached copy: a sale cancelled, ended by its show, or ended by the
    scheduler in the meantime matches no row, so no unit is both returned and sold.
    """
    s = FlashSale
    query = update(s).where(s.id == sale_id).values(sold=s.sold + delta)
    if delta > 0:
        if now is None:
            raise ValueError("taking units needs the time of the attempt")
        query = query.where(
            s.sold + delta <= s.quantity,
            s.status.in_(SELLING),
            s.starts_at <= now,
            s.ends_at > now,
            # A deal sells only while its show is live (not before it starts).
            s.room_id.in_(select(Room.id).where(Room.status == RoomStatus.LIVE.value)),
        )
    result = await session.execute(
        query.returning(s.sold, s.quantity).execution_options(synchronize_session=False)
    )
    row = result.first()
    return None if row is None else StockLevel(row[0], row[1])


async def take_stock(
    uow: UnitOfWork,
    sale: SaleView,
    *,
    buyer_id: int,
    quantity: int,
    key: str,
    now: datetime,
    expires_at: datetime,
) -> tuple[Order, StockLevel]:
    """Write one order and its stock; raise (and so roll back) if a bound would break."""
    session = uow.session
    if quantity > sale.per_user_limit:
        raise _over_limit(sale)
    await _count_purchases(session, sale, {buyer_id: quantity})
    order = Order(
        buyer_id=buyer_id, room_id=sale.room_id, product_id=sale.product_id, sale_id=sale.id,
        quantity=quantity, unit_price_cents=sale.price_cents, status=PENDING,
        idempotency_key=key, created_at=now, expires_at=expires_at,
    )  # fmt: skip
    session.add(order)
    await session.flush()
    new = funnel.NewOrder(order.id, buyer_id, sale.product_id, sale.id, quantity, sale.price_cents)
    await funnel.record_placed(uow, sale.room_id, [new], now=now)
    return order, await _take_units(uow, sale, quantity, now=now)


async def take_stock_many(
    uow: UnitOfWork, sale: SaleView, takes: Sequence[Take], *, now: datetime,
    expires_at: datetime,
) -> tuple[list[int], StockLevel]:  # fmt: skip
    """Write several orders of one sale, one statement per table (``_bulk``); the order
    ids, in the order of ``takes``. Raises (and so rolls back all of them) if any bound
    breaks."""
    units: dict[int, int] = {}
    for take in takes:
        units[take.buyer_id] = units.get(take.buyer_id, 0) + take.quantity
    if max(units.values()) > sale.per_user_limit:
        raise _over_limit(sale)
    await _count_purchases(uow.session, sale, units)
    ids = await insert_orders(
        uow.session, sale, [(t.buyer_id, t.quantity, t.key) for t in takes], now=now,
        expires_at=expires_at,
    )  # fmt: skip
    placed = [
        funnel.NewOrder(ids[t.buyer_id, t.key], t.buyer_id, sale.product_id, sale.id,
                        t.quantity, sale.price_cents)
        for t in takes
    ]  # fmt: skip
    # The minute's rollup row before the deal's row, as take_stock and a cancellation
    # (its transition records the minute first) do: opposite orders deadlock.
    await funnel.record_placed(uow, sale.room_id, placed, now=now)
    level = await _take_units(uow, sale, sum(units.values()), now=now)
    return [ids[t.buyer_id, t.key] for t in takes], level


async def _take_units(
    uow: UnitOfWork, sale: SaleView, quantity: int, *, now: datetime
) -> StockLevel:
    level = await _move_sold(uow.session, sale.id, quantity, now=now)
    if level is None:
        raise await _why_not(uow.session, sale.id, now)
    if level.sold >= level.quantity:
        await _flip(uow, sale, SaleStatus.LIVE, SaleStatus.SOLD_OUT)
    return level


async def _why_not(session: AsyncSession, sale_id: int, now: datetime) -> SaleNotLive | SoldOut:
    """Why a take matched no row, read from the row as the database has it now."""
    sale = await session.get(FlashSale, sale_id, populate_existing=True)
    if sale is None:
        return SaleEnded("the flash sale is gone")
    refusal = refusal_of(sale, now)
    if refusal is not None:
        return refusal
    show = await session.scalar(select(Room.status).where(Room.id == sale.room_id))
    if show == RoomStatus.ENDED.value:  # the show's end did not get to close this deal
        return SaleEnded("the flash sale ended with its show")
    return SoldOut("the flash sale is sold out")


def refusal_of(sale: FlashSale, now: datetime) -> SaleNotLive | None:
    """The refusal a sale in this state gives at ``now``, or ``None`` while it sells."""
    if sale.status == SaleStatus.CANCELLED:
        return SaleCancelled("the flash sale was cancelled")
    if sale.status == SaleStatus.ENDED or now >= sale.ends_at:
        return SaleEnded("the flash sale has ended")
    if now < sale.starts_at:
        return SaleNotStarted("the flash sale has not started yet")
    if sale.status == SaleStatus.SCHEDULED and sale.sold < sale.quantity:
        # Its window is open but the scheduler has not started it: its show is not live.
        return SaleNotStarted("the flash sale starts when its show goes live")
    return None


async def hold_purchase_counter(session: AsyncSession, order: Order) -> None:
    """Lock the buyer's counter of the order's deal before a close touches anything else.

    A placement takes the counter, then the minute's rollup row, then the deal's row;
    a close claims the order and records its minute (the transition) before it gives
    the units back, so without this it took the counter last and deadlocked with the
    same buyer's placement.
    """
    if order.sale_id is None:
        return
    c = PurchaseCounter
    await session.execute(
        select(c.quantity).where(c.sale_id == order.sale_id, c.user_id == order.buyer_id)
        .with_for_update()
    )  # fmt: skip


async def return_stock(uow: UnitOfWork, order: Order, *, now: datetime) -> StockLevel | None:
    """Give an expired or cancelled order's units back to its sale (or, for a shelf
    purchase or a sale already over, to the product) and its buyer."""
    session = uow.session
    if order.sale_id is None:
        await return_product_stock(session, order.product_id, order.quantity)
        return None
    level = await _move_sold(session, order.sale_id, -order.quantity)
    c = PurchaseCounter
    await session.execute(
        update(c)
        .where(c.sale_id == order.sale_id, c.user_id == order.buyer_id)
        .values(quantity=c.quantity - order.quantity)
        .execution_options(synchronize_session=False)
    )
    sale = await session.get(FlashSale, order.sale_id, populate_existing=True)
    if sale is not None and sale.status in (SaleStatus.ENDED, SaleStatus.CANCELLED):
        await return_product_stock(session, order.product_id, order.quantity)
    reopens = sale is not None and sale.status == SaleStatus.SOLD_OUT and now < sale.ends_at
    if level is not None and sale is not None and reopens and level.sold < level.quantity:
        await _flip(uow, SaleView.of(sale), SaleStatus.SOLD_OUT, SaleStatus.LIVE)
    return level


async def _flip(uow: UnitOfWork, sale: SaleView, current: SaleStatus, target: SaleStatus) -> None:
    """Claim a stock-driven transition now rather than on the scheduler's next tick."""
    if await claim_transition(uow.session, sale.id, current, target):
        row = await uow.session.get(FlashSale, sale.id, populate_existing=True)
        assert row is not None
        uow.emit(sale.room_id, event_for(current, target, SaleView.of(row)))
