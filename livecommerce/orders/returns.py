"""Returns: the buyer asks within the window, the merchant approves or rejects.

Approval writes the refund work item in the same transaction that moves the order to
``refunding`` (``orders.refunds`` pays it); the units come back on hand when the money
has gone back, in the transaction that settles the refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from livecommerce.errors import (
    AlreadyRefunded,
    IllegalTransition,
    InvalidInput,
    ReturnExcluded,
    ReturnTooMany,
    ReturnWindowClosed,
)
from livecommerce.orders import refunds, transitions
from livecommerce.orders.lifecycle import RETURNABLE, OrderStatus, return_window_open
from livecommerce.orders.refunds import Providers
from livecommerce.orders.service import load_merchant_order, load_own_order
from livecommerce.orders.views import OrderView
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import Order, Product, utcnow

MAX_REASON = 500


def _refused(order: Order, *, window: timedelta, quantity: int, now: datetime) -> None:
    """Raise the reason a return of ``quantity`` units is refused, if there is one."""
    delivered = order.delivered_at is not None
    if delivered and not return_window_open(
        now=now, delivered_at=order.delivered_at, window=window
    ):
        raise ReturnWindowClosed("the return window has closed")
    if OrderStatus(order.status) not in RETURNABLE:
        raise IllegalTransition(f"an order cannot go from {order.status} to refund_requested")
    if quantity < 1:
        raise InvalidInput("a return is of at least one unit")
    left = order.quantity - order.refunded_quantity
    if quantity > left:
        raise ReturnTooMany(f"only {left} unit(s) of this order can be returned")


async def request_return(
    db: Database, *, order_id: int, buyer_id: int, quantity: int, window: timedelta,
    reason: str = "", now: datetime | None = None,
) -> OrderView:  # fmt: skip
    """A no-reason return of ``quantity`` units of a delivered order."""
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_own_order(uow.session, buyer_id=buyer_id, order_id=order_id)
        product = await uow.session.get(Product, order.product_id)
        if product is not None and product.return_exclusion is not None:
            raise ReturnExcluded(f"this product cannot be returned ({product.return_exclusion})")
        _refused(order, window=window, quantity=quantity, now=at)
        moved = await transitions.move(
            uow, order.id, order.status, OrderStatus.REFUND_REQUESTED,
            actor=transitions.buyer(buyer_id), now=at, reason=reason.strip()[:MAX_REASON],
            values={"return_quantity": quantity},
        )  # fmt: skip
        return await _or_raced(uow, order, moved, OrderStatus.REFUND_REQUESTED)


async def _or_raced(
    uow: UnitOfWork, order: Order, moved: Order | None, target: OrderStatus
) -> OrderView:
    if moved is None:
        await uow.session.refresh(order)
        if target is OrderStatus.REFUNDING and order.status == OrderStatus.REFUNDING:
            raise AlreadyRefunded("this return was already approved")
        raise IllegalTransition(f"an order cannot go from {order.status} to {target}")
    return OrderView.of(moved)


async def approve_return(
    db: Database, providers: Providers, *, order_id: int, merchant_id: int,
    now: datetime | None = None,
) -> OrderView:  # fmt: skip
    """Approve the return in flight; the refund is paid right after the commit (and
    retried from its row if this node cannot finish)."""
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_merchant_order(uow.session, merchant_id=merchant_id, order_id=order_id)
        if order.status in (OrderStatus.REFUNDING, OrderStatus.REFUNDED):
            raise AlreadyRefunded("this return was already approved")
        if order.status != OrderStatus.REFUND_REQUESTED:  # paid -> refunding is groups' edge
            raise IllegalTransition(f"an order cannot go from {order.status} to refunding")
        quantity = order.return_quantity
        moved = await transitions.move(
            uow, order.id, order.status, OrderStatus.REFUNDING,
            actor=transitions.merchant(merchant_id), now=at,
        )  # fmt: skip
        view = await _or_raced(uow, order, moved, OrderStatus.REFUNDING)
        await refunds.open_refund(db, providers, uow, order, quantity=quantity, now=at)
    return view


async def reject_return(
    db: Database, *, order_id: int, merchant_id: int, reason: str, now: datetime | None = None
) -> OrderView:
    """Refuse the return in flight, saying why (the buyer sees the reason)."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"a rejection needs a reason of 1 to {MAX_REASON} characters")
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_merchant_order(uow.session, merchant_id=merchant_id, order_id=order_id)
        moved = await transitions.move(
            uow, order.id, order.status, OrderStatus.REFUND_REJECTED,
            actor=transitions.merchant(merchant_id), now=at, reason=reason,
            values={"return_quantity": 0},
        )  # fmt: skip
        return await _or_raced(uow, order, moved, OrderStatus.REFUND_REJECTED)
