"""Ordinary purchases of a room's shelf products (小黄车), outside any flash sale.

Same rules as a deal, minus the spike machinery: the product's stock is taken with a
conditional update (never below zero), the order is written in the same transaction,
the same Idempotency-Key returns the same order, and an unpaid order expires and gives
its units back. No stock gate: ordinary buying does not arrive thousands per second.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from livecommerce.catalog.service import load_product, take_product_stock
from livecommerce.errors import InvalidInput, NotFound, SoldOut
from livecommerce.orders import funnel
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import check_request
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.views import OrderView, PlacedOrder, order_news
from livecommerce.orders.writer import Target, find_order
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Order, RoomProduct

MAX_UNITS_PER_ORDER = 99


async def buy_from_shelf(
    checkout: Checkout,
    *,
    buyer_id: int,
    room_id: int,
    product_id: int,
    quantity: int,
    key: str,
) -> PlacedOrder:
    """Order ``quantity`` units of a shelf product at its list price."""
    check_request(key, quantity)
    target = Target(room_id, product_id)
    if quantity > MAX_UNITS_PER_ORDER:
        raise InvalidInput(f"at most {MAX_UNITS_PER_ORDER} units per order")
    try:
        async with checkout.db.unit_of_work() as uow:
            existing = await find_order(uow.session, buyer_id, key, target)
            if existing is not None:
                return PlacedOrder(OrderView.of(existing), created=False)
            order = await _write(checkout, uow, buyer_id, room_id, product_id, quantity, key)
            return PlacedOrder(OrderView.of(order), created=True)
    except IntegrityError:
        # A concurrent request with the same key won the unique constraint.
        async with checkout.db.read() as session:
            winner = await find_order(session, buyer_id, key, target)
        if winner is None:
            raise
        return PlacedOrder(OrderView.of(winner), created=False)


async def _write(
    checkout: Checkout,
    uow: UnitOfWork,
    buyer_id: int,
    room_id: int,
    product_id: int,
    quantity: int,
    key: str,
) -> Order:
    session = uow.session
    room = await load_room(session, room_id)
    if room.status == RoomStatus.ENDED:
        raise InvalidInput("the room has ended")
    if await session.get(RoomProduct, (room_id, product_id)) is None:
        raise NotFound(f"product {product_id} is not on this room's shelf")
    product = await load_product(session, product_id)
    if not await take_product_stock(session, product_id, quantity):
        left = product.stock_on_hand
        raise SoldOut("out of stock" if left <= 0 else f"only {left} left")
    now = checkout.clock()
    order = Order(
        buyer_id=buyer_id,
        room_id=room_id,
        product_id=product_id,
        sale_id=None,
        quantity=quantity,
        unit_price_cents=product.price_cents,
        status=OrderStatus.PENDING_PAYMENT.value,
        idempotency_key=key,
        created_at=now,
        expires_at=now + checkout.payment_ttl,
    )
    session.add(order)
    await session.flush()
    new = funnel.NewOrder(order.id, buyer_id, product_id, None, quantity, product.price_cents)
    await funnel.record_placed(uow, room_id, [new], now=now)
    news = order_news(order.id, order.status, None)
    uow.emit_to(room_id, buyer_id, news)
    return order
