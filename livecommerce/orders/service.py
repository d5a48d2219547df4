"""Orders after placement: the buyer's list, cancel, and expiry of unpaid orders.

Closing an order is claimed with ``UPDATE order SET status = ... WHERE status =
'pending_payment'``: a cancel racing the expiry loop (on any node) or a payment returns
the stock exactly once. The gate hears of it only after the commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.addresses import shipping_dict
from livecommerce.errors import IllegalTransition, NotFound, NotYourOrder, Unavailable
from livecommerce.loops import pass_failed, pause
from livecommerce.orders import transitions
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import SaleRef
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.stock import hold_purchase_counter, return_stock
from livecommerce.orders.views import OrderView
from livecommerce.promotions.redemption import give_back
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Order, OrderAddress, Product, User

log = logging.getLogger(__name__)

PENDING = OrderStatus.PENDING_PAYMENT
EXPIRY_BATCH = 200


async def list_orders(session: AsyncSession, *, buyer_id: int, limit: int = 100) -> list[OrderView]:
    rows = await session.scalars(
        select(Order).where(Order.buyer_id == buyer_id).order_by(Order.id.desc()).limit(limit)
    )
    return [OrderView.of(o) for o in rows]


async def list_merchant_orders(
    session: AsyncSession, *, merchant_id: int, limit: int = 200
) -> list[tuple[OrderView, str]]:
    """Orders of the merchant's products, newest first, each with the buyer's handle."""
    rows = await session.execute(
        select(Order, User.handle)
        .join(Product, Product.id == Order.product_id)
        .join(User, User.id == Order.buyer_id)
        .where(Product.merchant_id == merchant_id)
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return [(OrderView.of(order), handle) for order, handle in rows]


async def ship_to(session: AsyncSession, order_id: int, *, masked: bool) -> dict[str, str] | None:
    """The address the order ships to (copied when it was paid), or None before that."""
    row = await session.get(OrderAddress, order_id)
    return shipping_dict(row, masked=masked) if row is not None else None


async def load_own_order(session: AsyncSession, *, buyer_id: int, order_id: int) -> Order:
    """The caller's order; someone else's is reported missing, not forbidden."""
    order = await session.get(Order, order_id)
    if order is None or order.buyer_id != buyer_id:
        raise NotFound(f"order {order_id} not found")
    return order


async def load_merchant_order(session: AsyncSession, *, merchant_id: int, order_id: int) -> Order:
    """An order of one of the merchant's products; another merchant's is refused."""
    order = await session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    owner = await session.scalar(select(Product.merchant_id).where(Product.id == order.product_id))
    if owner != merchant_id:
        raise NotYourOrder(f"order {order_id} is not an order of your products")
    return order


async def claim_order(session: AsyncSession, order_id: int, current: str, target: str) -> bool:
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == current)
        .values(status=target)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def _close(
    checkout: Checkout,
    uow: UnitOfWork,
    order: Order,
    target: OrderStatus,
    actor: transitions.Actor,
) -> bool:
    """Move a pending order to ``target`` and return its stock; False if it was not pending."""
    await hold_purchase_counter(uow.session, order)
    moved = await transitions.move(
        uow, order.id, PENDING, target, actor=actor, now=checkout.clock()
    )
    if moved is None:
        return False
    level = await return_stock(uow, order, now=checkout.clock())
    if order.coupon_claim_id is not None:
        await give_back(uow.session, order_id=order.id, now=checkout.clock())
    for hook in checkout.close_hooks:
        await hook(uow, moved)
    if order.sale_id is not None and order.room_id is not None and level is not None:
        ref = SaleRef(order.room_id, order.sale_id)
        buyer_id, key = order.buyer_id, order.idempotency_key

        async def after() -> None:
            checkout.clear_sold_out(ref.sale_id)
            checkout.news.record(
                ref.room_id, ref.sale_id, sold=level.sold, quantity=level.quantity, placed=0
            )
            try:  # keep the key: a retry must still find this (closed) order
                await checkout.gate.release(ref, buyer_id=buyer_id, key=key, forget=False)
            except Unavailable:
                checkout.gate_stale = True

        uow.after_commit(after)
    return True


async def close_pending(
    checkout: Checkout, uow: UnitOfWork, order: Order, target: OrderStatus, *,
    actor: transitions.Actor,
) -> bool:  # fmt: skip
    """Cancel or expire a pending order in the caller's transaction, returning its units
    (and running the close hooks); False if it was no longer pending."""
    return await _close(checkout, uow, order, target, actor)


async def cancel_order(checkout: Checkout, *, buyer_id: int, order_id: int) -> OrderView:
    async with checkout.db.unit_of_work() as uow:
        order = await load_own_order(uow.session, buyer_id=buyer_id, order_id=order_id)
        actor = transitions.buyer(buyer_id)
        if not await _close(checkout, uow, order, OrderStatus.CANCELLED, actor):
            await uow.session.refresh(order)
            raise IllegalTransition(f"an order cannot go from {order.status} to cancelled")
        await uow.session.refresh(order)
        return OrderView.of(order)


async def expire_due_orders(checkout: Checkout, *, now: datetime) -> int:
    """Expire unpaid orders past ``expires_at``; return how many this node expired."""
    async with checkout.db.read() as session:
        due = list(
            await session.scalars(
                select(Order)
                .where(Order.status == PENDING, Order.expires_at <= now)
                .order_by(Order.expires_at)
                .limit(EXPIRY_BATCH)
            )
        )
    expired = 0
    for order in due:
        async with checkout.db.unit_of_work() as uow:
            expired += await _close(checkout, uow, order, OrderStatus.EXPIRED, transitions.SYSTEM)
    return expired


async def run_expiry(checkout: Checkout, *, interval: float = 2.0) -> None:
    """Expire due orders every ``interval`` seconds until cancelled."""
    while True:
        try:
            while await expire_due_orders(checkout, now=checkout.clock()) >= EXPIRY_BATCH:
                pass
        except Exception as exc:
            pass_failed(log, "order expiry pass failed", exc)
        await pause(interval)
