"""The orders' rows in the show ledger: placed, paid, cancelled, expired, refunded.

Written in the transaction that makes the change, so the ledger holds an order's step
exactly when the database does (a rollback takes both back). Each is one appended row;
no shared counter is updated, so a flash sale's group commit takes no extra hot lock.
The analytics domain reads these rows (it sits downstream of orders, so the kinds are
named here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import LedgerEntry, Order, Room

PLACED = "order.placed"
PAID = "order.paid"
CANCELLED = "order.cancelled"
EXPIRED = "order.expired"
REFUNDED = "order.refunded"
ORDER_KINDS = (PLACED, PAID, CANCELLED, EXPIRED, REFUNDED)

_KIND_OF_TARGET = {
    OrderStatus.PAID: PAID,
    OrderStatus.CANCELLED: CANCELLED,
    OrderStatus.EXPIRED: EXPIRED,
    OrderStatus.REFUNDED: REFUNDED,
    OrderStatus.PARTIALLY_REFUNDED: REFUNDED,
}


@dataclass(frozen=True, slots=True)
class NewOrder:
    order_id: int
    buyer_id: int
    product_id: int
    sale_id: int | None
    quantity: int
    unit_price_cents: int


def viewer_of(user_id: int) -> str:
    """The ledger's name for a logged-in watcher or buyer (the hub's identity too)."""
    return f"u:{user_id}"


def show_clock(started_at: datetime | None, now: datetime) -> tuple[int, int]:
    """(elapsed ms, minute) of ``now`` in the show; (0, 0) before it started."""
    if started_at is None:
        return 0, 0
    elapsed = int((now - started_at).total_seconds() * 1000)
    return elapsed, elapsed // 60000


async def _clock(uow: UnitOfWork, room_id: int, now: datetime) -> tuple[int, int]:
    started = await uow.session.scalar(select(Room.started_at).where(Room.id == room_id))
    return show_clock(started, now)


async def record_placed(
    uow: UnitOfWork, room_id: int | None, orders: Sequence[NewOrder], *, now: datetime
) -> None:
    """Append one ``order.placed`` row per new order (GMV gross: quantity x unit price)."""
    if room_id is None or not orders:
        return
    elapsed, minute = await _clock(uow, room_id, now)
    rows = [
        {
            "room_id": room_id, "kind": PLACED, "at": now, "elapsed_ms": elapsed,
            "minute": minute, "product_id": o.product_id, "sale_id": o.sale_id,
            "order_id": o.order_id, "viewer": viewer_of(o.buyer_id), "count": 1,
            "amount_cents": o.quantity * o.unit_price_cents, "value_ms": 0, "detail": "",
        }
        for o in orders
    ]  # fmt: skip
    await uow.session.execute(insert(LedgerEntry), rows)


async def record_moved(
    uow: UnitOfWork, order: Order, target: OrderStatus, *, now: datetime
) -> None:
    """Append the row of a claimed transition the funnel counts (others write none)."""
    kind = _KIND_OF_TARGET.get(target)
    if kind is None or order.room_id is None:
        return
    amount = order.quantity * order.unit_price_cents
    if kind == REFUNDED:
        amount = await _newly_refunded(uow, order)
    elapsed, minute = await _clock(uow, order.room_id, now)
    uow.session.add(
        LedgerEntry(
            room_id=order.room_id, kind=kind, at=now, elapsed_ms=elapsed, minute=minute,
            product_id=order.product_id, sale_id=order.sale_id, order_id=order.id,
            viewer=viewer_of(order.buyer_id), count=1, amount_cents=amount, value_ms=0,
            detail="",
        )
    )  # fmt: skip


async def _newly_refunded(uow: UnitOfWork, order: Order) -> int:
    """Cents refunded by this step: the order's refunded units so far, less what earlier
    refund rows of the order already counted (a partial refund may be followed by more)."""
    before = await uow.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.order_id == order.id, LedgerEntry.kind == REFUNDED
        )
    )
    return order.refunded_quantity * order.unit_price_cents - int(before or 0)
