from __future__ import annotations

import asyncio

import pytest

from livecommerce.orders.gate import SaleRef
from livecommerce.orders.placement import place_order
from livecommerce.orders.reconcile import gate_state, reconcile_open_sales, watch_gate
from livecommerce.orders.service import cancel_order
from livecommerce.sales.service import get_sale
from livecommerce.settings import Settings
from tests import services
from tests.orders.conftest import World


async def db_state(w: World, sale_id: int) -> object:
    async with w.db.read() as session:
        return await gate_state(session, await get_sale(session, sale_id))


async def shop(w: World, sale_id: int) -> None:
    buyers = w.buyer_ids
    for i, buyer in enumerate(buyers[:3]):
        await place_order(w.checkout, buyer_id=buyer, sale_id=sale_id, quantity=1, key=f"k{i}")
    placed = await place_order(w.checkout, buyer_id=buyers[0], sale_id=sale_id, quantity=1, key="x")
    await cancel_order(w.checkout, buyer_id=buyers[0], order_id=placed.order.id)


async def test_the_gate_matches_the_database_after_orders_and_cancels(world: World) -> None:
    """With no failures, the gate's state is exactly what the database implies."""
    sale_id = await world.make_sale(quantity=10, limit=2)
    await shop(world, sale_id)
    assert await world.checkout.gate.snapshot(SaleRef(world.room_id, sale_id)) == await db_state(
        world, sale_id
    )


async def test_rebuild_restores_a_gate_that_lost_everything(world: World) -> None:
    """After the gate forgets, a rebuild restores counts, buyers and keys."""
    sale_id = await world.make_sale(quantity=10, limit=2)
    ended = await world.make_sale(status="ended")
    await shop(world, sale_id)
    ref = SaleRef(world.room_id, sale_id)
    expected = await world.checkout.gate.snapshot(ref)
    await world.checkout.gate.drop(ref)
    await world.checkout.gate.drop(SaleRef(world.room_id, ended))
    assert await reconcile_open_sales(world.checkout) == 1
    assert await world.checkout.gate.snapshot(ref) == expected
    assert await world.checkout.gate.snapshot(SaleRef(world.room_id, ended)) is None


@pytest.mark.parametrize("shape", ["scaled", "cluster"])
async def test_watcher_rebuilds_when_the_epoch_changes(world: World, settings: Settings) -> None:
    """When Redis loses its data (new epoch), the watcher rebuilds the open sales."""
    sale_id = await world.make_sale(quantity=10, limit=2)
    await shop(world, sale_id)
    ref = SaleRef(world.room_id, sale_id)
    expected = await world.checkout.gate.snapshot(ref)
    watcher = asyncio.create_task(watch_gate(world.checkout, check_every=0.01))
    redis = await services.connect(settings.redis_url or "")
    try:
        await asyncio.sleep(0.05)
        stale = [k async for k in redis.scan_iter(match=f"{settings.redis_prefix}*")]
        await redis.delete(*stale)  # what a restart without persistence does
        for _ in range(500):
            if await world.checkout.gate.snapshot(ref) is not None:
                break
            await asyncio.sleep(0.01)
        assert await world.checkout.gate.snapshot(ref) == expected
    finally:
        await redis.aclose()
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher
