"""Claiming one edge of the order lifecycle: the conditional update, its audit row, its
events, in the caller's unit of work.

``UPDATE order SET status = :to WHERE id = :id AND status = :from``: however many
nodes, requests or timers race for the same edge, one row matches once, so exactly one
of them writes the audit row and emits the events; the others get ``None`` and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from livecommerce.orders import funnel
from livecommerce.orders.events import OrderMoved
from livecommerce.orders.lifecycle import OrderStatus, transition
from livecommerce.orders.views import order_news
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Order, OrderAudit, Product


@dataclass(frozen=True, slots=True)
class Actor:
    """Who moves an order: a buyer or merchant (with their id), a timer, a provider."""

    kind: str
    user_id: int | None = None


SYSTEM = Actor("system")
PROVIDER = Actor("provider")


def buyer(user_id: int) -> Actor:
    return Actor("buyer", user_id)


def merchant(user_id: int) -> Actor:
    return Actor("merchant", user_id)


async def move(
    uow: UnitOfWork,
    order_id: int,
    current: OrderStatus | str,
    target: OrderStatus,
    *,
    actor: Actor,
    now: datetime,
    reason: str = "",
    values: dict[str, Any] | None = None,
) -> Order | None:
    """Claim ``current -> target`` (raising ``IllegalTransition`` for a missing edge)
    with ``values`` set alongside; the order as updated, or None if another got it."""
    transition(current, target)
    session = uow.session
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == str(current))
        .values(status=target.value, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return None
    order = await session.get(Order, order_id, populate_existing=True)
    assert order is not None
    session.add(
        OrderAudit(
            order_id=order_id, actor=actor.kind, actor_user_id=actor.user_id,
            from_status=str(current), to_status=target.value, reason=reason[:500], at=now,
        )
    )  # fmt: skip
    await funnel.record_moved(uow, order, target, now=now)
    await _announce(uow, order, str(current), target, actor, reason)
    return order


async def _announce(
    uow: UnitOfWork, order: Order, current: str, target: OrderStatus, actor: Actor, reason: str
) -> None:
    if order.room_id is None:
        return  # no room, no sockets to tell (orders predating rooms on orders)
    uow.emit_to(order.room_id, order.buyer_id, order_news(order.id, target.value, order.sale_id))
    merchant_id = await uow.session.scalar(
        select(Product.merchant_id).where(Product.id == order.product_id)
    )
    if merchant_id is not None:
        moved = OrderMoved(
            order_id=order.id, from_status=current, to_status=target.value,
            actor=actor.kind, reason=reason[:500],
        )  # fmt: skip
        uow.emit_to(order.room_id, merchant_id, moved)
