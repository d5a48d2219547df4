from __future__ import annotations

import pytest

from livecommerce.errors import IllegalTransition, NotFound, SoldOut
from livecommerce.orders.gate import SaleRef
from livecommerce.orders.placement import place_order
from livecommerce.orders.service import cancel_order, expire_due_orders, list_orders
from livecommerce.storage.models import FlashSale, PurchaseCounter
from tests.orders.conftest import World


async def buy(w: World, buyer: int, sale_id: int, key: str, q: int = 1) -> int:
    placed = await place_order(w.checkout, buyer_id=buyer, sale_id=sale_id, quantity=q, key=key)
    return placed.order.id


async def sale_row(w: World, sale_id: int) -> FlashSale:
    async with w.db.read() as session:
        sale = await session.get(FlashSale, sale_id)
        assert sale is not None
        return sale


async def test_cancel_returns_stock_to_the_database_and_the_gate(world: World) -> None:
    """A cancelled order gives its units back everywhere, and the sale reopens."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    buyer = world.buyer_ids[0]
    order_id = await buy(world, buyer, sale_id, "a")
    assert (await sale_row(world, sale_id)).status == "sold_out"
    view = await cancel_order(world.checkout, buyer_id=buyer, order_id=order_id)
    assert view.status == "cancelled"
    sale = await sale_row(world, sale_id)
    assert (sale.sold, sale.status) == (0, "live")
    async with world.db.read() as session:
        counter = await session.get(PurchaseCounter, (sale_id, buyer))
        assert counter is not None and counter.quantity == 0
    snapshot = await world.checkout.gate.snapshot(SaleRef(world.room_id, sale_id))
    assert snapshot is not None and snapshot.sold == 0
    assert "sale.restocked" in world.events.types()
    assert (await buy(world, world.buyer_ids[1], sale_id, "b")) != order_id


async def test_the_cancelled_key_still_finds_its_order(world: World) -> None:
    """After a cancel, repeating the same Idempotency-Key returns the cancelled order."""
    sale_id = await world.make_sale()
    order_id = await buy(world, world.buyer_ids[0], sale_id, "a")
    await cancel_order(world.checkout, buyer_id=world.buyer_ids[0], order_id=order_id)
    placed = await place_order(
        world.checkout, buyer_id=world.buyer_ids[0], sale_id=sale_id, quantity=1, key="a"
    )
    assert (placed.order.id, placed.order.status, placed.created) == (order_id, "cancelled", False)


async def test_cancel_twice_is_an_illegal_transition(world: World) -> None:
    """A closed order cannot be cancelled again, and stock is returned only once."""
    sale_id = await world.make_sale(quantity=3)
    order_id = await buy(world, world.buyer_ids[0], sale_id, "a", 2)
    await cancel_order(world.checkout, buyer_id=world.buyer_ids[0], order_id=order_id)
    with pytest.raises(IllegalTransition, match="from cancelled to cancelled"):
        await cancel_order(world.checkout, buyer_id=world.buyer_ids[0], order_id=order_id)
    assert (await sale_row(world, sale_id)).sold == 0


async def test_buyers_see_only_their_own_orders(world: World) -> None:
    """Another buyer's order is not found, and lists hold only the caller's orders."""
    sale_id = await world.make_sale()
    order_id = await buy(world, world.buyer_ids[0], sale_id, "a")
    with pytest.raises(NotFound):
        await cancel_order(world.checkout, buyer_id=world.buyer_ids[1], order_id=order_id)
    async with world.db.read() as session:
        assert [o.id for o in await list_orders(session, buyer_id=world.buyer_ids[0])] == [order_id]
        assert await list_orders(session, buyer_id=world.buyer_ids[1]) == []


async def test_unpaid_orders_expire_and_their_stock_sells_again(world: World) -> None:
    """Past expires_at an unpaid order expires once; its units are buyable again."""
    sale_id = await world.make_sale(quantity=1, limit=1, minutes=60)
    await buy(world, world.buyer_ids[0], sale_id, "a")
    with pytest.raises(SoldOut):
        await buy(world, world.buyer_ids[1], sale_id, "b")
    assert await expire_due_orders(world.checkout, now=world.clock.now) == 0
    world.clock.advance(minutes=16)
    assert await expire_due_orders(world.checkout, now=world.clock.now) == 1
    assert await expire_due_orders(world.checkout, now=world.clock.now) == 0
    await buy(world, world.buyer_ids[1], sale_id, "b2")
    assert (await sale_row(world, sale_id)).sold == 1
