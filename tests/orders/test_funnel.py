"""Tests for livecommerce.orders.funnel: every counted order step leaves one ledger row,
in the order's own transaction, with the money the metrics add up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from livecommerce.errors import SoldOut
from livecommerce.orders import funnel, returns, service
from livecommerce.orders.payment import Charge, Payout
from livecommerce.orders.placement import place_order
from livecommerce.orders.shelf import buy_from_shelf
from livecommerce.orders.views import OrderView
from livecommerce.storage.models import LedgerEntry, Product
from tests.orders._after_payment import ask_return, delivered_order, order_row
from tests.orders.conftest import World


class Bank:
    """A provider that pays refunds back at once."""

    name = "sandbox"

    async def charge(self, order: OrderView) -> Charge:
        raise NotImplementedError

    async def refund(self, *, reference: str, amount_cents: int) -> Payout:
        return Payout(f"bank_{reference}", confirmed=True)


async def _approve(w: World, order_id: int) -> OrderView:
    return await returns.approve_return(
        w.db, {"sandbox": Bank()}, order_id=order_id, merchant_id=w.merchant_id, now=w.clock()
    )


async def _rows(w: World) -> list[tuple[str, int | None, int, str | None]]:
    async with w.db.read() as session:
        query = select(LedgerEntry).where(LedgerEntry.room_id == w.room_id).order_by(LedgerEntry.id)
        return [
            (e.kind, e.order_id, e.amount_cents, e.viewer) for e in await session.scalars(query)
        ]


async def test_placed_paid_and_a_refund_in_two_parts(world: World) -> None:
    """Placed and paid carry quantity x price; two partial refunds carry one unit each,
    so the refunded sum is what went back, not twice the running total."""
    buyer = world.buyer_ids[0]
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    await ask_return(world, buyer, order_id, 1)
    await _approve(world, order_id)
    assert (await order_row(world, order_id)).status == "partially_refunded"
    world.clock.now += timedelta(hours=1)
    await ask_return(world, buyer, order_id, 1)
    await _approve(world, order_id)
    assert (await order_row(world, order_id)).status == "refunded"
    who = funnel.viewer_of(buyer)
    assert await _rows(world) == [
        (funnel.PLACED, order_id, 3998, who),
        (funnel.PAID, order_id, 3998, who),
        (funnel.REFUNDED, order_id, 1999, who),
        (funnel.REFUNDED, order_id, 1999, who),
    ]


async def test_cancelled_and_expired(world: World) -> None:
    """A cancelled and an expired order each add their one row after the placed one."""
    one, two = world.buyer_ids[:2]
    kept = await buy_from_shelf(
        world.checkout, buyer_id=one, room_id=world.room_id, product_id=world.product_id,
        quantity=1, key="c",
    )  # fmt: skip
    left = await buy_from_shelf(
        world.checkout, buyer_id=two, room_id=world.room_id, product_id=world.product_id,
        quantity=1, key="e",
    )  # fmt: skip
    await service.cancel_order(world.checkout, buyer_id=one, order_id=kept.order.id)
    later = world.clock.now + timedelta(hours=1)
    assert await service.expire_due_orders(world.checkout, now=later) == 1
    kinds = [(kind, order) for kind, order, _, _ in await _rows(world)]
    assert kinds == [
        (funnel.PLACED, kept.order.id), (funnel.PLACED, left.order.id),
        (funnel.CANCELLED, kept.order.id), (funnel.EXPIRED, left.order.id),
    ]  # fmt: skip


async def test_flash_sale_orders_one_row_each(world: World) -> None:
    """Concurrent deal orders (written together or one by one) leave one row per order."""
    sale_id = await world.make_sale(quantity=10, limit=2)
    placed = await asyncio.gather(
        *(
            place_order(world.checkout, buyer_id=b, sale_id=sale_id, quantity=2, key=f"k{b}")
            for b in world.buyer_ids
        )
    )
    rows = await _rows(world)
    assert sorted(r[1] or 0 for r in rows) == sorted(p.order.id for p in placed)
    assert {(r[0], r[2]) for r in rows} == {(funnel.PLACED, 2 * 999)}


async def test_a_refused_order_leaves_no_row(world: World) -> None:
    """The row rolls back with the order: sold out, nothing counted."""
    async with world.db.unit_of_work() as uow:
        (await uow.session.get(Product, world.product_id)).stock_on_hand = 1  # type: ignore[union-attr]
    with pytest.raises(SoldOut):
        await buy_from_shelf(
            world.checkout, buyer_id=world.buyer_ids[0], room_id=world.room_id,
            product_id=world.product_id, quantity=2, key="x",
        )  # fmt: skip
    assert await _rows(world) == []
