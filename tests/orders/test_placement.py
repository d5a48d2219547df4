from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from livecommerce.errors import LimitExceeded, SaleNotLive, SoldOut, Unavailable
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import GateResult, GateSale, SaleRef
from livecommerce.orders.placement import place_order
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.orders.views import PlacedOrder
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter
from tests import services
from tests.orders.conftest import World


async def buy(w: World, buyer: int, sale_id: int, key: str, q: int = 1) -> PlacedOrder:
    return await place_order(w.checkout, buyer_id=buyer, sale_id=sale_id, quantity=q, key=key)


async def sold(w: World, sale_id: int) -> int:
    async with w.db.read() as session:
        return int(await session.scalar(select(FlashSale.sold).where(FlashSale.id == sale_id)) or 0)


async def order_count(w: World, sale_id: int) -> int:
    async with w.db.read() as session:
        query = select(func.count()).select_from(Order).where(Order.sale_id == sale_id)
        return int(await session.scalar(query) or 0)


async def test_a_winner_gets_a_pending_order_and_the_stock_moves(world: World) -> None:
    """A winning attempt writes the order, the sale's count and the buyer's counter."""
    sale_id = await world.make_sale(quantity=3)
    placed = await buy(world, world.buyer_ids[0], sale_id, "k1", 2)
    assert placed.created and placed.order.status == "pending_payment"
    assert (placed.order.quantity, placed.order.unit_price_cents) == (2, 999)
    assert placed.order.expires_at == world.clock.now + world.checkout.payment_ttl
    assert await sold(world, sale_id) == 2
    async with world.db.read() as session:
        counter = await session.get(PurchaseCounter, (sale_id, world.buyer_ids[0]))
        assert counter is not None and counter.quantity == 2


async def test_the_same_key_returns_the_same_order(world: World) -> None:
    """Repeating an Idempotency-Key answers with the first order and takes no stock."""
    sale_id = await world.make_sale()
    first = await buy(world, world.buyer_ids[0], sale_id, "same")
    again = await buy(world, world.buyer_ids[0], sale_id, "same")
    assert again == PlacedOrder(first.order, created=False)
    assert await sold(world, sale_id) == 1


async def test_sold_out_refuses_and_never_oversells(world: World) -> None:
    """Once the quantity is taken, attempts are refused and the count stays at quantity."""
    sale_id = await world.make_sale(quantity=2, limit=1)
    await buy(world, world.buyer_ids[0], sale_id, "a")
    await buy(world, world.buyer_ids[1], sale_id, "b")
    with pytest.raises(SoldOut):
        await buy(world, world.buyer_ids[2], sale_id, "c")
    assert await sold(world, sale_id) == 2
    assert "sale.sold_out" in world.events.types()


async def test_a_winner_retrying_after_the_sell_out_still_gets_its_order(world: World) -> None:
    """The process-local sold-out flag never hides an order its key already holds."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    first = await buy(world, world.buyer_ids[0], sale_id, "a")
    assert world.checkout.is_sold_out(sale_id)
    assert (await buy(world, world.buyer_ids[0], sale_id, "a")).order == first.order


async def test_the_per_buyer_limit_spans_keys(world: World) -> None:
    """Two attempts with different keys together may not pass the limit."""
    sale_id = await world.make_sale(quantity=5, limit=2)
    await buy(world, world.buyer_ids[0], sale_id, "a", 1)
    with pytest.raises(LimitExceeded):
        await buy(world, world.buyer_ids[0], sale_id, "b", 2)
    with pytest.raises(LimitExceeded):
        await buy(world, world.buyer_ids[1], sale_id, "c", 3)


async def test_outside_the_window_the_sale_is_not_live(world: World) -> None:
    """Before starts_at and from ends_at on, attempts are refused without an order."""
    early = await world.make_sale(starts_in=5)
    with pytest.raises(SaleNotLive, match="not started"):
        await buy(world, world.buyer_ids[0], early, "a")
    late = await world.make_sale(minutes=10)
    world.clock.advance(minutes=10)
    with pytest.raises(SaleNotLive, match="ended"):
        await buy(world, world.buyer_ids[0], late, "b")
    assert await order_count(world, early) + await order_count(world, late) == 0


async def test_many_concurrent_buyers_take_exactly_the_quantity(world: World) -> None:
    """Concurrent attempts from many buyers sell exactly the quantity, no more."""
    sale_id = await world.make_sale(quantity=3, limit=1)
    attempts = [buy(world, b, sale_id, f"k{i}") for i in range(4) for b in world.buyer_ids]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    created = [r for r in results if isinstance(r, PlacedOrder) and r.created]
    assert len(created) == 3
    assert all(isinstance(r, PlacedOrder | SoldOut | LimitExceeded) for r in results)
    assert await sold(world, sale_id) == 3 == await order_count(world, sale_id)


async def test_a_gate_unknown_sale_is_loaded_from_the_database(world: World) -> None:
    """If the gate lost a sale, the order path rebuilds it and carries on."""
    sale_id = await world.make_sale(quantity=2, limit=2)
    await buy(world, world.buyer_ids[0], sale_id, "a")
    await world.checkout.gate.drop(SaleRef(world.room_id, sale_id))
    assert (await buy(world, world.buyer_ids[0], sale_id, "a")).created is False
    with pytest.raises(SoldOut):
        await buy(world, world.buyer_ids[1], sale_id, "b", 2)


async def test_a_failed_write_releases_the_reservation(world: World) -> None:
    """When the database refuses, the gate gives the units back."""
    sale_id = await world.make_sale(quantity=2, limit=2)
    ref = SaleRef(world.room_id, sale_id)
    async with world.db.unit_of_work() as uow:  # the database knows more than the gate
        sale = await uow.session.get(FlashSale, sale_id)
        assert sale is not None
        sale.sold = 2
    with pytest.raises(SoldOut):
        await buy(world, world.buyer_ids[0], sale_id, "a")
    snapshot = await world.checkout.gate.snapshot(ref)
    assert snapshot is not None and (snapshot.sold, snapshot.keys) == (0, {})


async def test_cancelled_sales_refuse_orders(world: World) -> None:
    """A cancelled sale answers SaleNotLive."""
    sale_id = await world.make_sale(status="cancelled")
    with pytest.raises(SaleNotLive, match="cancelled"):
        await buy(world, world.buyer_ids[0], sale_id, "a")


class DownGate:
    """A gate whose Redis is unreachable: every call raises Unavailable."""

    async def load(self, sale: GateSale) -> None:
        raise Unavailable("down")

    async def reserve(
        self, ref: SaleRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> GateResult:
        raise Unavailable("down")

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        raise Unavailable("down")

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        raise Unavailable("down")

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        raise Unavailable("down")

    async def drop(self, ref: SaleRef) -> None:
        raise Unavailable("down")

    async def epoch(self) -> str:
        raise Unavailable("down")


async def test_without_the_gate_the_database_path_is_still_correct(world: World) -> None:
    """Redis down: orders go straight to the database, which keeps every bound."""
    sale_id = await world.make_sale(quantity=2, limit=1)
    world.checkout = Checkout(world.db, DownGate(), clock=world.clock)
    first = await buy(world, world.buyer_ids[0], sale_id, "a")
    assert (await buy(world, world.buyer_ids[0], sale_id, "a")).order == first.order
    with pytest.raises(LimitExceeded):
        await buy(world, world.buyer_ids[0], sale_id, "b")
    await buy(world, world.buyer_ids[1], sale_id, "c")
    with pytest.raises(SoldOut):
        await buy(world, world.buyer_ids[2], sale_id, "d")
    world.clock.advance(hours=1)
    with pytest.raises(SaleNotLive):
        await buy(world, world.buyer_ids[3], sale_id, "e")
    assert world.checkout.gate_stale
    assert await sold(world, sale_id) == 2


@pytest.mark.parametrize("shape", ["scaled", "cluster"])
async def test_two_nodes_sharing_redis_and_postgres_never_oversell(
    world: World, settings: Settings
) -> None:
    """Buyers spread over two nodes (own engine, own gate client) sell exactly the quantity."""
    sale_id = await world.make_sale(quantity=4, limit=1)
    other_db = Database(world.db.url)
    other_redis = await services.connect(settings.redis_url or "")
    other = Checkout(
        other_db, RedisGate(other_redis, Keys(settings.redis_prefix)), clock=world.clock
    )
    nodes = [world.checkout, other]
    try:
        attempts = [
            place_order(nodes[i % 2], buyer_id=b, sale_id=sale_id, quantity=1, key=f"k{i}")
            for i in range(6)
            for b in world.buyer_ids
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
    finally:
        await other_db.dispose()
        await other_redis.aclose()
    created = [r for r in results if isinstance(r, PlacedOrder) and r.created]
    assert len(created) == 4
    assert await sold(world, sale_id) == 4 == await order_count(world, sale_id)
