"""Prize orders: a lucky draw's won product as a zero-price order.

The draw reserves its units when it starts (a host cannot give away stock it does not
have); a winner's order holds one of them at price 0 and waits, like any unpaid order,
until ``expires_at`` (the claim deadline). Claiming settles it: the address is copied
from the winner's address book as paying copies it, and the order moves to paid by the
same audited edge, so the merchant ships it like any paid order. An unclaimed one is
voided and its unit goes to the next winner's order. The draw domain calls these; the
order's status strings stay here, in the orders domain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from livecommerce.catalog.service import return_product_stock, take_product_stock
from livecommerce.errors import SoldOut
from livecommerce.orders import transitions
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.payment import shipping_copy
from livecommerce.orders.service import PENDING, claim_order
from livecommerce.orders.stock import return_stock
from livecommerce.orders.views import order_news
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Order, utcnow

PAID = "paid"
EXPIRED = "expired"
BOUGHT = (PAID,)
"""Order states that count as "bought during the show" for a draw's purchase condition."""


async def reserve_units(uow: UnitOfWork, *, product_id: int, units: int) -> None:
    if not await take_product_stock(uow.session, product_id, units):
        raise SoldOut(f"the prize needs {units} units in stock")


async def release_units(uow: UnitOfWork, *, product_id: int, units: int) -> None:
    await return_product_stock(uow.session, product_id, units)


async def place_prize_order(
    uow: UnitOfWork,
    *,
    buyer_id: int,
    room_id: int,
    product_id: int,
    key: str,
    claim_by: datetime,
    take_unit: bool = False,
) -> int | None:
    """The winner's zero-price order (one unit); ``take_unit`` takes it off the stock
    now (a redraw), else it is one the draw reserved. None: no unit was left."""
    if take_unit and not await take_product_stock(uow.session, product_id, 1):
        return None
    now = utcnow()
    order = Order(
        buyer_id=buyer_id, room_id=room_id, product_id=product_id, sale_id=None,
        quantity=1, unit_price_cents=0, status=PENDING, idempotency_key=key,
        created_at=now, expires_at=claim_by,
    )  # fmt: skip
    uow.session.add(order)
    await uow.session.flush()
    uow.emit_to(room_id, buyer_id, order_news(order.id, order.status, None))
    return order.id


async def settle_prize_order(
    uow: UnitOfWork, *, order_id: int, buyer_id: int, address_id: int | None, now: datetime
) -> bool:
    """Claimed: nothing to pay, the order ships to ``address_id`` (else the buyer's
    default; ``AddressRequired`` if none) and is paid now. False if it was not pending."""
    ship_to = await shipping_copy(uow.session, buyer_id, address_id)
    order = await uow.session.get(Order, order_id)
    if order is None or order.buyer_id != buyer_id or order.unit_price_cents != 0:
        return False
    moved = await transitions.move(
        uow, order_id, PENDING, OrderStatus.PAID, actor=transitions.buyer(buyer_id), now=now,
        reason="lucky draw prize claimed", values={"paid_at": now},
    )  # fmt: skip
    if moved is None:
        return False
    ship_to.order_id = order_id
    uow.session.add(ship_to)
    return True


async def void_prize_order(uow: UnitOfWork, *, order_id: int) -> None:
    """Unclaimed: the order expires (if the expiry timer has not done it) and its unit
    goes back to the stock."""
    order = await uow.session.get(Order, order_id)
    if order is not None and await claim_order(uow.session, order_id, PENDING, EXPIRED):
        await return_stock(uow, order, now=utcnow())


async def is_settled(uow: UnitOfWork, *, order_id: int) -> bool:
    status = await uow.session.scalar(select(Order.status).where(Order.id == order_id))
    return status == PAID


async def buyers_in_room(uow: UnitOfWork, *, room_id: int, since: datetime) -> set[int]:
    """Who bought something in the room since ``since`` (prize orders do not count)."""
    rows = await uow.session.scalars(
        select(Order.buyer_id)
        .where(
            Order.room_id == room_id,
            Order.created_at >= since,
            Order.status.in_(BOUGHT),
            Order.unit_price_cents > 0,
        )
        .distinct()
    )
    return set(rows)
