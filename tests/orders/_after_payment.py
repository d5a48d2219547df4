"""Steps shared by the after-payment tests: buy from the shelf, pay, ship, deliver."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from livecommerce.orders import fulfilment, payment, returns
from livecommerce.orders.shelf import buy_from_shelf
from livecommerce.orders.views import OrderView
from livecommerce.storage.models import Order, OrderAudit, Product
from tests.orders.conftest import World

WINDOW = timedelta(days=7)
PROVIDERS = payment.build_providers()


async def paid_order(w: World, buyer: int, key: str, quantity: int = 2) -> int:
    placed = await buy_from_shelf(
        w.checkout, buyer_id=buyer, room_id=w.room_id, product_id=w.product_id,
        quantity=quantity, key=key,
    )  # fmt: skip
    await payment.pay_order(
        w.checkout, payment.SandboxProvider(), buyer_id=buyer, order_id=placed.order.id
    )
    return placed.order.id


async def delivered_order(w: World, buyer: int, key: str, quantity: int = 2) -> int:
    order_id = await paid_order(w, buyer, key, quantity)
    await fulfilment.ship(
        w.db, order_id=order_id, actor_user_id=w.merchant_id, carrier="SF", tracking_number="1",
        now=w.clock(),
    )  # fmt: skip
    await fulfilment.confirm_receipt(w.db, order_id=order_id, buyer_id=buyer, now=w.clock())
    return order_id


async def ask_return(w: World, buyer: int, order_id: int, quantity: int) -> OrderView:
    return await returns.request_return(
        w.db, order_id=order_id, buyer_id=buyer, quantity=quantity, window=WINDOW, now=w.clock()
    )


async def approve(w: World, order_id: int) -> OrderView:
    return await returns.approve_return(
        w.db, PROVIDERS, order_id=order_id, merchant_id=w.merchant_id, now=w.clock()
    )


async def order_row(w: World, order_id: int) -> Order:
    async with w.db.read() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return order


async def stock(w: World) -> int:
    async with w.db.read() as session:
        product = await session.get(Product, w.product_id)
        assert product is not None
        return product.stock_on_hand


async def audit_edges(w: World, order_id: int) -> list[tuple[str, str, str]]:
    async with w.db.read() as session:
        rows = await session.execute(
            select(OrderAudit.from_status, OrderAudit.to_status, OrderAudit.actor)
            .where(OrderAudit.order_id == order_id)
            .order_by(OrderAudit.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def audit_count(w: World) -> int:
    async with w.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(OrderAudit)) or 0)
