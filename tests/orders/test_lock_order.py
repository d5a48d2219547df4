"""Every order write locks its minute's rollup row (ledger_minute) before its deal's
stock row, as a cancellation does: writers taking them in opposite orders deadlock on
PostgreSQL (seen when Redis restarts mid-sale and single and batched writes mix)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from livecommerce.orders.placement import place_order
from livecommerce.orders.service import cancel_order
from livecommerce.orders.stock import Take, take_stock, take_stock_many
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter
from tests import sql
from tests.orders.conftest import World


@pytest.fixture
def statements(world: World) -> Iterator[list[str]]:
    """The SQL sent while a test runs, in order."""
    with sql.statements(world.db.engine) as seen:
        yield seen


def _first(seen: list[str], fragment: str) -> int:
    return next(i for i, s in enumerate(seen) if fragment in " ".join(s.split()).lower())


def _rollup_before_stock(seen: list[str]) -> bool:
    return _first(seen, "ledger_minute") < _first(seen, "update flash_sale")


async def test_one_order_takes_the_rollup_row_first(world: World, statements: list[str]) -> None:
    """A single write (the path without the gate) updates its minute before the deal."""
    sale = await world.checkout.sale(await world.make_sale(quantity=5))
    statements.clear()
    async with world.db.unit_of_work() as uow:
        now = world.clock.now
        await take_stock(
            uow, sale, buyer_id=world.buyer_ids[0], quantity=1, key="k", now=now, expires_at=now
        )
    assert _rollup_before_stock(statements), [s[:60] for s in statements]


async def test_a_batch_takes_the_rollup_row_first(world: World, statements: list[str]) -> None:
    """The group commit's write takes the same order as the single one."""
    sale = await world.checkout.sale(await world.make_sale(quantity=5))
    takes = [Take(b, f"k{b}", 1) for b in world.buyer_ids[:2]]
    statements.clear()
    async with world.db.unit_of_work() as uow:
        now = world.clock.now
        await take_stock_many(uow, sale, takes, now=now, expires_at=now)
    assert _rollup_before_stock(statements), [s[:60] for s in statements]


async def test_a_cancellation_takes_the_rollup_row_first(
    world: World, statements: list[str]
) -> None:
    """A buyer's cancel records its minute before it gives the deal its units back."""
    sale_id = await world.make_sale(quantity=5)
    buyer = world.buyer_ids[0]
    placed = await place_order(world.checkout, buyer_id=buyer, sale_id=sale_id, quantity=1, key="k")
    statements.clear()
    await cancel_order(world.checkout, buyer_id=buyer, order_id=placed.order.id)
    assert _rollup_before_stock(statements), [s[:60] for s in statements]


# Deadlocks need two writers at once: PostgreSQL (SQLite's writes queue in the process).
@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_a_buyer_placing_and_cancelling_at_once_never_deadlocks(world: World) -> None:
    """Each buyer places and cancels from three tabs at once. A close used to take the
    buyer's purchase counter after the minute's rollup row and the deal's row, the
    reverse of a placement, and PostgreSQL killed one of the two (a 503 to the buyer).
    Every attempt now goes through, and the counters still equal the rows."""
    sale_id = await world.make_sale(quantity=500, limit=500)
    failures: list[BaseException] = []

    async def tab(buyer: int, tab: str) -> None:
        waiting: list[int] = []
        for i in range(15):
            try:
                placed = await place_order(world.checkout, buyer_id=buyer, sale_id=sale_id,
                                           quantity=1, key=f"{tab}{i}")  # fmt: skip
                waiting.append(placed.order.id)
                if len(waiting) < 2:
                    continue
                await cancel_order(world.checkout, buyer_id=buyer, order_id=waiting.pop(0))
            except Exception as exc:
                failures.append(exc)

    await asyncio.gather(*(tab(b, t) for b in world.buyer_ids for t in "xyz"))
    assert failures == []
    async with world.db.read() as session:
        open_units = dict(
            (await session.execute(
                select(Order.buyer_id, func.sum(Order.quantity))
                .where(Order.sale_id == sale_id, Order.status == "pending_payment")
                .group_by(Order.buyer_id)
            )).all()
        )  # fmt: skip
        counted = dict(
            (await session.execute(
                select(PurchaseCounter.user_id, PurchaseCounter.quantity)
                .where(PurchaseCounter.sale_id == sale_id)
            )).all()
        )  # fmt: skip
        sold = await session.scalar(select(FlashSale.sold).where(FlashSale.id == sale_id))
    assert set(open_units.values()) == {3}  # each tab's last order
    assert counted == open_units and sold == sum(open_units.values())
