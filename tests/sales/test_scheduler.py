from __future__ import annotations

import asyncio
from datetime import timedelta

from livecommerce.sales.lifecycle import SaleStatus
from livecommerce.sales.scheduler import advance_sales
from livecommerce.sales.service import get_sale
from livecommerce.storage.db import Database
from tests.orders.conftest import Recorder, World


async def status(w: World, sale_id: int) -> str:
    async with w.db.read() as session:
        return (await get_sale(session, sale_id)).status


async def test_a_sale_goes_live_at_its_start_and_ends_at_its_end(world: World) -> None:
    """The scheduler moves a sale exactly when its window says and announces each edge."""
    sale_id = await world.make_sale(status="scheduled", starts_in=1, minutes=5)
    assert await advance_sales(world.db, now=world.clock.now) == []
    world.clock.advance(minutes=1)
    assert await advance_sales(world.db, now=world.clock.now) == [(sale_id, SaleStatus.LIVE)]
    world.clock.advance(minutes=5)
    assert await advance_sales(world.db, now=world.clock.now) == [(sale_id, SaleStatus.ENDED)]
    assert await status(world, sale_id) == "ended"
    assert world.events.types() == ["sale.started", "sale.ended"]


async def test_a_missed_window_walks_both_edges(world: World) -> None:
    """A scheduled sale found after its end goes live, then ends, in two passes."""
    sale_id = await world.make_sale(status="scheduled", starts_in=1, minutes=5)
    world.clock.advance(hours=1)
    assert await advance_sales(world.db, now=world.clock.now) == [(sale_id, SaleStatus.LIVE)]
    assert await advance_sales(world.db, now=world.clock.now) == [(sale_id, SaleStatus.ENDED)]


async def test_each_transition_is_performed_by_exactly_one_node(world: World) -> None:
    """Several nodes advancing at once: one wins each transition, one event is published."""
    sale_ids = [await world.make_sale(status="scheduled", starts_in=0) for _ in range(3)]
    nodes = [Database(world.db.url) for _ in range(3)]
    recorders = [Recorder() for _ in nodes]
    for node, recorder in zip(nodes, recorders, strict=True):
        node.sink = recorder
    try:
        moved = await asyncio.gather(*(advance_sales(n, now=world.clock.now) for n in nodes))
    finally:
        for node in nodes:
            await node.dispose()
    assert sorted(sale for batch in moved for sale, _ in batch) == sale_ids
    started = [e for r in recorders for e in r.events if e[1] == "sale.started"]
    assert sorted(e[2]["sale"]["id"] for e in started) == sale_ids


async def test_stock_returning_reopens_a_sold_out_sale(world: World) -> None:
    """A sold-out sale whose count dropped below quantity goes live again in the window."""
    sale_id = await world.make_sale(status="sold_out", quantity=2)
    world.clock.advance(seconds=1)
    assert await advance_sales(world.db, now=world.clock.now) == [(sale_id, SaleStatus.LIVE)]
    assert world.events.types() == ["sale.restocked"]
    assert await advance_sales(world.db, now=world.clock.now + timedelta(hours=1)) == [
        (sale_id, SaleStatus.ENDED)
    ]
