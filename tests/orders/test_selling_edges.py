"""The edges of selling that a spike never shows: a deal cancelled or ended while the gate
is unreachable or stale, the natural end racing the last writes, keys reused on other
purchases, reservations orphaned by a dead node."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    IllegalTransition,
    KeyReused,
    SaleCancelled,
    SaleEnded,
    SaleNotStarted,
)
from livecommerce.orders import reconcile
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.commands import cancel_deal
from livecommerce.orders.placement import place_order
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.orders.shelf import buy_from_shelf
from livecommerce.orders.stock import Take
from livecommerce.orders.views import PlacedOrder
from livecommerce.orders.writer import write_winners
from livecommerce.rooms.service import start_room
from livecommerce.sales import service
from livecommerce.sales.scheduler import advance_sales
from livecommerce.sales.service import close_room_sales, get_sale
from livecommerce.sales.views import SaleView
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import FlashSale, Order, Product, Room
from tests.orders.conftest import World
from tests.servers import free_port


async def buy(w: World, buyer: int, sale_id: int, key: str, q: int = 1) -> PlacedOrder:
    return await place_order(w.checkout, buyer_id=buyer, sale_id=sale_id, quantity=q, key=key)


@pytest.fixture
async def unreachable() -> AsyncIterator[RedisGate]:
    """A Redis gate whose server is gone: a real client refused by a closed port."""
    client = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    yield RedisGate(client, Keys("lc-down:"))
    await client.aclose()


async def stock_and_sold(w: World, sale_id: int) -> tuple[int, int]:
    """The product's stock and the deal's sold count. ``make_sale`` leaves the product's
    1000 units alone, so a deal that closes adds its unsold units on top of them."""
    async with w.db.read() as session:
        product = await session.get(Product, w.product_id)
        sale = await session.get(FlashSale, sale_id)
        assert product is not None and sale is not None
        return product.stock_on_hand, sale.sold


async def get_sale_view(w: World, sale_id: int) -> SaleView:
    async with w.db.read() as session:
        return await get_sale(session, sale_id)


def merchant(w: World) -> Principal:
    return Principal(w.merchant_id, "u0", "merchant")


async def test_a_cancelled_deal_never_sells_while_the_gate_is_down(
    world: World, unreachable: RedisGate
) -> None:
    """A node that read the deal before it was cancelled still refuses it without Redis."""
    sale_id = await world.make_sale(quantity=5, status="scheduled", starts_in=1)
    with pytest.raises(Exception, match="not started"):  # this node now has the deal cached
        await buy(world, world.buyer_ids[0], sale_id, "early")
    await cancel_deal(world.checkout, caller=merchant(world), sale_id=sale_id)
    world.checkout.gate = unreachable
    world.clock.advance(minutes=2)
    with pytest.raises(SaleCancelled):
        await buy(world, world.buyer_ids[1], sale_id, "late")
    # The 5 units went back to the product when it was cancelled, and none were sold.
    assert await stock_and_sold(world, sale_id) == (1005, 0)


async def test_a_deal_ended_with_its_show_stops_selling_without_the_gate(
    world: World, unreachable: RedisGate
) -> None:
    """Ending the show ends selling even on a node whose gate cannot be reloaded."""
    sale_id = await world.make_sale(quantity=5)
    await buy(world, world.buyer_ids[0], sale_id, "before")
    async with world.db.unit_of_work() as uow:
        await close_room_sales(uow, room_id=world.room_id, now=world.clock.now)
    world.checkout.gate = unreachable
    with pytest.raises(SaleEnded):
        await buy(world, world.buyer_ids[1], sale_id, "after")
    assert await stock_and_sold(world, sale_id) == (1000 + 4, 1)


# Two writers at once need PostgreSQL: SQLite's writes queue behind one lock per process.
@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_the_show_ending_as_its_deal_starts_ends_the_deal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler starts a deal between the show's end reading it (scheduled) and
    claiming its cancel: the end follows the move and ends the live deal, its unsold
    units back on the product, instead of leaving it live behind the show."""
    sale_id = await world.make_sale(quantity=5, status="scheduled")
    real = service.claim_transition
    raced: list[bool] = []

    async def started_meanwhile(session: Any, sid: int, current: Any, target: Any) -> bool:
        if not raced:
            raced.append(True)
            # The scheduler's own transaction (its own task), committed first.
            await asyncio.create_task(start(sid), context=contextvars.Context())
        return await real(session, sid, current, target)

    async def start(sid: int) -> None:
        async with world.db.unit_of_work() as other:
            await other.session.execute(
                update(FlashSale).where(FlashSale.id == sid).values(status="live")
            )

    monkeypatch.setattr(service, "claim_transition", started_meanwhile)
    async with world.db.unit_of_work() as uow:
        closed = await close_room_sales(uow, room_id=world.room_id, now=world.clock.now)
        kinds = [e.type for e in uow.events]
    assert raced and closed == [sale_id]
    assert kinds == ["sale.ended"]
    async with world.db.read() as session:
        status = await session.scalar(select(FlashSale.status).where(FlashSale.id == sale_id))
    assert status == "ended"
    assert await stock_and_sold(world, sale_id) == (1005, 0)


async def test_a_deal_left_live_by_its_ended_show_sells_nothing(world: World) -> None:
    """A deal the show's end did not close (scheduled on another node as the show ended)
    is still refused: the database's take checks the show, and the buyer hears the show
    ended, not "sold out"."""
    sale_id = await world.make_sale(quantity=5)
    async with world.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Room).where(Room.id == world.room_id).values(status="ended")
        )
    with pytest.raises(SaleEnded, match="show"):
        await buy(world, world.buyer_ids[0], sale_id, "after")
    assert await stock_and_sold(world, sale_id) == (1000, 0)
    async with world.db.read() as session:
        assert list(await session.scalars(select(Order.id))) == []


async def test_a_deal_whose_window_opens_before_its_show_waits_for_the_show(world: World) -> None:
    """A scheduled deal whose window has opened does not sell until its show is live,
    whatever the gate says."""
    sale_id = await world.make_sale(quantity=5, status="scheduled")
    async with world.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Room).where(Room.id == world.room_id).values(status="scheduled")
        )
    with pytest.raises(SaleNotStarted, match="show goes live"):
        await buy(world, world.buyer_ids[0], sale_id, "early")
    assert await stock_and_sold(world, sale_id) == (1000, 0)


async def test_a_stale_gate_window_is_refused_by_the_database_and_reloaded(world: World) -> None:
    """A gate that still holds the old window (never reloaded, or a Redis restored from
    disk) lets the attempt through; the database refuses it and the gate is fixed."""
    sale_id = await world.make_sale(quantity=5)
    async with world.db.unit_of_work() as uow:  # closed, gate deliberately not reloaded
        await close_room_sales(uow, room_id=world.room_id, now=world.clock.now)
    world.clock.advance(seconds=1)
    with pytest.raises(SaleEnded):
        await buy(world, world.buyer_ids[0], sale_id, "stale")
    assert await stock_and_sold(world, sale_id) == (1005, 0)
    sale = await world.checkout.sale(sale_id)
    state = await world.checkout.gate.snapshot(sale.ref)
    assert state is not None and state.ends_at <= world.clock.now  # refused at the gate now


async def test_the_natural_end_never_races_the_last_writes(world: World) -> None:
    """Winners reserved just before the end whose write lands after the scheduler closed
    the deal are refused: no unit is both sold and back on the shelf."""
    sale_id = await world.make_sale(quantity=10, limit=5, starts_in=-0.5, minutes=1)
    sale = await get_sale_view(world, sale_id)
    world.clock.advance(seconds=29)  # the buyers' clock: a second before the end
    for i, buyer in enumerate(world.buyer_ids[:3]):
        reserved = await world.checkout.gate.reserve(
            sale.ref, buyer_id=buyer, key=f"k{i}", quantity=2, now=world.clock.now
        )
        assert reserved.outcome == "reserved"
    await advance_sales(world.db, now=world.clock.now + timedelta(seconds=2))  # ends it
    takes = [Take(b, f"k{i}", 2) for i, b in enumerate(world.buyer_ids[:3])]
    results = await write_winners(world.checkout, sale, takes)
    assert all(isinstance(r, SaleEnded) for r in results)
    assert await stock_and_sold(world, sale_id) == (1010, 0)
    async with world.db.read() as session:
        assert list(await session.scalars(select(Order.id))) == []


async def test_concurrent_starts_publish_room_started_once(world: World) -> None:
    """Of several concurrent starts of a scheduled room, one starts it; the rest are refused."""
    async with world.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Room).where(Room.id == world.room_id).values(status="scheduled")
        )

    async def start() -> object:
        async with world.db.unit_of_work() as uow:
            return await start_room(uow, caller=merchant(world), room_id=world.room_id)

    results = await asyncio.gather(*(start() for _ in range(5)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, IllegalTransition) for r in results if isinstance(r, Exception))
    assert world.events.types().count("room.started") == 1


async def test_a_key_names_one_purchase(world: World) -> None:
    """Reusing an Idempotency-Key on another deal or on the shelf is refused, buys nothing."""
    first, second = await world.make_sale(), await world.make_sale()
    buyer = world.buyer_ids[0]
    placed = await buy(world, buyer, first, "one-key")
    with pytest.raises(KeyReused):
        await buy(world, buyer, second, "one-key")
    with pytest.raises(KeyReused):
        await buy_from_shelf(
            world.checkout, buyer_id=buyer, room_id=world.room_id,
            product_id=world.product_id, quantity=1, key="one-key",
        )  # fmt: skip
    assert (await buy(world, buyer, first, "one-key")).order == placed.order
    assert (await stock_and_sold(world, second))[1] == 0
    async with world.db.read() as session:
        assert len(list(await session.scalars(select(Order.id)))) == 1


async def test_a_reservation_orphaned_by_a_dead_node_is_taken_over(world: World) -> None:
    """The gate holds a key whose node died before writing: the retry gets its order."""
    sale_id = await world.make_sale(quantity=3)
    sale = await get_sale_view(world, sale_id)
    buyer = world.buyer_ids[0]
    orphan = await world.checkout.gate.reserve(
        sale.ref, buyer_id=buyer, key="k", quantity=1, now=world.clock.now
    )
    assert orphan.outcome == "reserved"
    placed = await buy(world, buyer, sale_id, "k")
    assert placed.created
    state = await world.checkout.gate.snapshot(sale.ref)
    assert state is not None and state.sold == 1
    assert (await stock_and_sold(world, sale_id))[1] == 1


async def test_a_drifted_gate_is_rebuilt_at_the_second_check(world: World) -> None:
    """Units held in the gate with no order behind them (a dead node's) come back as soon
    as the drift is seen twice, not on the minute timer."""
    sale_id = await world.make_sale(quantity=10, limit=5)
    sale = await get_sale_view(world, sale_id)
    await buy(world, world.buyer_ids[0], sale_id, "real")
    for i in range(3):
        await world.checkout.gate.reserve(
            sale.ref, buyer_id=world.buyer_ids[1], key=f"lost{i}", quantity=1,
            now=world.clock.now,
        )  # fmt: skip
    checkout: Checkout = world.checkout
    versions: dict[int, str] = {}
    first = await reconcile.repair_drift(checkout, {}, versions)
    assert first[sale_id] == (1, 4)  # seen once: could be writes in flight
    second = await reconcile.repair_drift(checkout, first, versions)
    assert sale_id not in second
    state = await checkout.gate.snapshot(sale.ref)
    assert state is not None and state.sold == 1
