"""After payment: the merchant ships, the buyer confirms receipt, and the clock delivers
what nobody confirmed and completes what nobody returned.

``ship`` is also what the bulk CSV shipping of the console calls, one order at a time.
The timer loop runs on every node; each edge is claimed by ``transitions.move``, so one
node moves an order however many run it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from livecommerce.errors import AwaitingGroup, IllegalTransition, InvalidInput
from livecommerce.loops import pass_failed, pause
from livecommerce.orders import transitions
from livecommerce.orders.lifecycle import SETTLING, OrderStatus, due_transition
from livecommerce.orders.service import load_merchant_order, load_own_order
from livecommerce.orders.transitions import Actor
from livecommerce.orders.views import OrderView
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import Order, utcnow

log = logging.getLogger(__name__)

BATCH = 200
MAX_CARRIER, MAX_TRACKING = 60, 80


def _clean(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        raise InvalidInput(f"{field} must be 1 to {limit} printable characters")
    return value


async def _moved(
    uow: UnitOfWork, order: Order, target: OrderStatus, actor: Actor, now: datetime,
    **values: object,
) -> OrderView:  # fmt: skip
    """Claim the edge or say why not; the order as it is after the move."""
    moved = await transitions.move(
        uow, order.id, order.status, target, actor=actor, now=now, values=values
    )
    if moved is None:  # another request or node moved it first
        await uow.session.refresh(order)
        raise IllegalTransition(f"an order cannot go from {order.status} to {target}")
    return OrderView.of(moved)


async def ship(
    db: Database,
    *,
    order_id: int,
    actor_user_id: int,
    carrier: str,
    tracking_number: str,
    now: datetime | None = None,
) -> OrderView:
    """The merchant marks a paid order of their product shipped, with its tracking."""
    carrier = _clean(carrier, "carrier", MAX_CARRIER)
    tracking_number = _clean(tracking_number, "tracking_number", MAX_TRACKING)
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_merchant_order(uow.session, merchant_id=actor_user_id, order_id=order_id)
        if order.awaiting_group:  # cleared in the transaction that completes the group
            raise AwaitingGroup("this order's group buy has not filled yet")
        return await _moved(
            uow, order, OrderStatus.SHIPPED, transitions.merchant(actor_user_id), at,
            shipped_at=at, carrier=carrier, tracking_number=tracking_number,
        )  # fmt: skip


async def confirm_receipt(
    db: Database, *, order_id: int, buyer_id: int, now: datetime | None = None
) -> OrderView:
    """The buyer says the parcel arrived: delivered now, and the return window opens."""
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_own_order(uow.session, buyer_id=buyer_id, order_id=order_id)
        return await _moved(
            uow, order, OrderStatus.DELIVERED, transitions.buyer(buyer_id), at, delivered_at=at
        )


async def _due(
    db: Database, now: datetime, deliver_after: timedelta, window: timedelta
) -> list[Order]:
    o = Order
    settling = [s.value for s in SETTLING]
    query = select(o).where(
        or_(
            and_(o.status == OrderStatus.SHIPPED.value, o.shipped_at <= now - deliver_after),
            and_(o.status.in_(settling), o.delivered_at <= now - window),
        )
    )
    async with db.read() as session:
        return list(await session.scalars(query.order_by(o.id).limit(BATCH)))


async def advance_orders(
    db: Database, *, now: datetime, deliver_after: timedelta, return_window: timedelta
) -> list[tuple[int, OrderStatus]]:
    """Perform every clock-driven edge due at ``now`` that this node wins; return them."""
    moved: list[tuple[int, OrderStatus]] = []
    for order in await _due(db, now, deliver_after, return_window):
        target = due_transition(
            OrderStatus(order.status), now=now, shipped_at=order.shipped_at,
            delivered_at=order.delivered_at, deliver_after=deliver_after,
            return_window=return_window,
        )  # fmt: skip
        if target is None:
            continue
        values = {"delivered_at": now} if target is OrderStatus.DELIVERED else {"completed_at": now}
        reason = (
            "not confirmed in time" if target is OrderStatus.DELIVERED else "return window closed"
        )
        async with db.unit_of_work() as uow:
            won = await transitions.move(
                uow, order.id, order.status, target, actor=transitions.SYSTEM, now=now,
                reason=reason, values=values,
            )  # fmt: skip
        if won is not None:
            moved.append((order.id, target))
    return moved


async def run_fulfilment(
    db: Database,
    *,
    deliver_after: timedelta,
    return_window: timedelta,
    interval: float = 30.0,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Deliver and complete due orders every ``interval`` seconds until the app stops."""
    while True:
        try:
            while await advance_orders(
                db, now=clock(), deliver_after=deliver_after, return_window=return_window
            ):
                pass
        except Exception as exc:
            pass_failed(log, "order fulfilment pass failed", exc)
        await pause(interval)
