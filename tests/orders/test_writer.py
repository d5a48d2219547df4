from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from livecommerce.errors import SoldOut
from livecommerce.orders.gate import SaleRef
from livecommerce.orders.placement import place_order
from livecommerce.orders.views import PlacedOrder
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter
from tests.orders.conftest import NOW, World


@pytest.fixture
def commits(world: World) -> Iterator[list[int]]:
    """Counts the transactions committed while a test runs."""
    seen: list[int] = []

    def count(*args: Any) -> None:
        seen.append(1)

    engine = world.db.engine.sync_engine
    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


async def buy_all(w: World, sale_id: int, attempts: list[tuple[int, str]]) -> list[Any]:
    calls = [
        place_order(w.checkout, buyer_id=b, sale_id=sale_id, quantity=1, key=k) for b, k in attempts
    ]
    return await asyncio.gather(*calls, return_exceptions=True)


async def sale_numbers(w: World, sale_id: int) -> tuple[int, int, int]:
    """(sold, orders, units counted on buyers) as the database has them."""
    async with w.db.read() as session:
        sold = await session.scalar(select(FlashSale.sold).where(FlashSale.id == sale_id))
        orders = (await session.scalars(select(Order).where(Order.sale_id == sale_id))).all()
        counted = (
            await session.scalars(
                select(PurchaseCounter.quantity).where(PurchaseCounter.sale_id == sale_id)
            )
        ).all()
    return int(sold or 0), len(orders), sum(counted)


async def test_winners_arriving_together_share_a_transaction(
    world: World, commits: list[int]
) -> None:
    """Ten concurrent winners are written in fewer transactions than orders, all kept."""
    sale_id = await world.make_sale(quantity=10, limit=2)
    attempts = [(b, f"k{n}") for b in world.buyer_ids for n in range(2)]
    commits.clear()
    results = await buy_all(world, sale_id, attempts)
    assert all(isinstance(r, PlacedOrder) and r.created for r in results)
    assert len(commits) < len(attempts) // 2
    assert await sale_numbers(world, sale_id) == (10, 10, 10)
    placed = [r for r in results if isinstance(r, PlacedOrder)]
    assert len({p.order.id for p in placed}) == 10
    assert {(p.order.buyer_id, p.order.idempotency_key) for p in placed} == set(attempts)
    assert all(p.order.expires_at == NOW + world.checkout.payment_ttl for p in placed)
    assert "sale.sold_out" in world.events.types()


async def test_one_bad_row_never_fails_the_others(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A key the database knew and the gate did not fails the group write; each winner is
    then written alone, and that key answers with its existing order."""
    sale_id = await world.make_sale(quantity=5, limit=2)
    known = world.buyer_ids[0]
    async with world.db.unit_of_work() as uow:  # written while the gate was bypassed
        order = Order(
            buyer_id=known, room_id=world.room_id, product_id=world.product_id,
            sale_id=sale_id, quantity=1, unit_price_cents=999, status="pending_payment",
            idempotency_key="dup", created_at=NOW, expires_at=NOW,
        )  # fmt: skip
        uow.session.add(order)
    caplog.set_level(logging.INFO, logger="livecommerce.orders.writer")
    others = [(b, "fresh") for b in world.buyer_ids[1:4]]
    results = await buy_all(world, sale_id, [(known, "dup"), *others])
    first = results[0]
    assert isinstance(first, PlacedOrder) and not first.created and first.order.id == order.id
    assert all(isinstance(r, PlacedOrder) and r.created for r in results[1:])
    assert "one by one" in caplog.text
    assert await sale_numbers(world, sale_id) == (3, 4, 3)
    snapshot = await world.checkout.gate.snapshot(SaleRef(world.room_id, sale_id))
    assert snapshot is not None and snapshot.sold == 3  # the duplicate's reservation went back


async def test_a_refused_group_releases_every_reservation(world: World) -> None:
    """When the database refuses the whole group, every winner hears it and the gate
    gets every unit back."""
    sale_id = await world.make_sale(quantity=4, limit=2)
    async with world.db.unit_of_work() as uow:  # the database knows more than the gate
        sale = await uow.session.get(FlashSale, sale_id)
        assert sale is not None
        sale.sold = 4
    results = await buy_all(world, sale_id, [(b, "k") for b in world.buyer_ids[:4]])
    assert all(isinstance(r, SoldOut) for r in results)
    snapshot = await world.checkout.gate.snapshot(SaleRef(world.room_id, sale_id))
    assert snapshot is not None and (snapshot.sold, snapshot.keys) == (0, {})
    assert await sale_numbers(world, sale_id) == (4, 0, 0)
