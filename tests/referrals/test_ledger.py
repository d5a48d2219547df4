"""Commissions follow the order lifecycle (both shapes), every balance recomputed from
the ledger's rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from livecommerce.orders import fulfilment, service
from livecommerce.orders.shelf import buy_from_shelf
from livecommerce.referrals import ledger
from livecommerce.storage.models import Order
from livecommerce.storage.referral_models import Commission, CommissionEntry
from tests.orders._after_payment import (
    WINDOW,
    approve,
    ask_return,
    delivered_order,
    paid_order,
)
from tests.orders.conftest import World
from tests.referrals.conftest import arrive, link, shop_rate

TEN_DAYS = timedelta(days=10)
PRICE = 1999


async def rows(w: World, order_id: int) -> list[tuple[int, int, str, int, int, int]]:
    """(promoter, level, status, amount, pending, payable) per commission, the last two
    summed from its entries."""
    async with w.db.read() as session:
        result = await session.execute(
            select(Commission.promoter_id, Commission.level, Commission.status,
                   Commission.amount_cents, func.sum(CommissionEntry.pending_cents),
                   func.sum(CommissionEntry.payable_cents))
            .join(CommissionEntry, CommissionEntry.commission_id == Commission.id)
            .where(Commission.order_id == order_id)
            .group_by(Commission.id).order_by(Commission.level)
        )  # fmt: skip
        return [(a, b, c, d, int(e), int(f)) for a, b, c, d, e, f in result]


async def kinds(w: World, order_id: int) -> list[str]:
    async with w.db.read() as session:
        return list(
            await session.scalars(
                select(CommissionEntry.kind)
                .join(Commission, Commission.id == CommissionEntry.commission_id)
                .where(Commission.order_id == order_id)
                .order_by(CommissionEntry.id)
            )
        )


async def complete(w: World) -> None:
    w.clock.advance(days=8)
    await fulfilment.advance_orders(
        w.db, now=w.clock(), deliver_after=TEN_DAYS, return_window=WINDOW
    )


async def test_pending_on_payment_then_payable_after_the_window(world: World) -> None:
    """A bound buyer's paid order owes 10% of what was paid, pending; the return window
    closing makes it payable; a second timer pass posts nothing more."""
    promoter, buyer = world.buyer_ids[0], world.buyer_ids[1]
    await shop_rate(world, 1000)
    await arrive(world, await link(world, promoter), buyer)
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    amount = 2 * PRICE * 1000 // 10_000
    assert await rows(world, order_id) == [(promoter, 1, "pending", amount, amount, 0)]
    await complete(world)
    await complete(world)
    assert await rows(world, order_id) == [(promoter, 1, "payable", amount, 0, amount)]
    assert await kinds(world, order_id) == ["accrued", "released"]


async def test_refund_before_completion_cancels(world: World) -> None:
    """A refund of 1 of 2 units cancels half while pending; the rest is released at
    completion; a full refund cancels the whole commission."""
    promoter, buyer = world.buyer_ids[0], world.buyer_ids[1]
    await shop_rate(world, 1000)
    await arrive(world, await link(world, promoter), buyer)
    amount = 2 * PRICE * 1000 // 10_000
    partial = await delivered_order(world, buyer, "p", quantity=2)
    await ask_return(world, buyer, partial, 1)
    await approve(world, partial)
    assert await rows(world, partial) == [(promoter, 1, "pending", amount, amount - amount // 2, 0)]
    full = await delivered_order(world, buyer, "f", quantity=2)
    await ask_return(world, buyer, full, 2)
    await approve(world, full)
    assert await rows(world, full) == [(promoter, 1, "cancelled", amount, 0, 0)]
    await complete(world)
    left = amount - amount // 2
    assert await rows(world, partial) == [(promoter, 1, "payable", amount, 0, left)]
    assert await kinds(world, full) == ["accrued", "cancelled"]


async def test_refund_after_release_is_a_negative_adjustment(world: World) -> None:
    """Money back after the commission became payable takes its share off payable
    (the lifecycle has no refund after completion yet: after-sales would call this)."""
    promoter, buyer = world.buyer_ids[0], world.buyer_ids[1]
    await shop_rate(world, 1000)
    await arrive(world, await link(world, promoter), buyer)
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    await complete(world)
    amount = 2 * PRICE * 1000 // 10_000
    for _ in range(2):  # a repeated trigger posts once
        async with world.db.unit_of_work() as uow:
            order = await uow.session.get(Order, order_id)
            assert order is not None
            order.refunded_quantity = 1
            await ledger.claw_back(uow.session, order, world.clock())
    assert await rows(world, order_id) == [
        (promoter, 1, "payable", amount, 0, amount - amount // 2)
    ]
    assert await kinds(world, order_id) == ["accrued", "released", "adjusted"]


async def test_no_commission_without_binding_self_or_cancelled(world: World) -> None:
    """Unbound buyers, a cancelled order and a shop without a rate owe nothing."""
    promoter, buyer, stranger = world.buyer_ids[:3]
    await arrive(world, await link(world, promoter), buyer)
    unrated = await paid_order(world, buyer, "unrated")
    await shop_rate(world, 1000)
    unbound = await paid_order(world, stranger, "x")
    placed = await buy_from_shelf(
        world.checkout, buyer_id=buyer, room_id=world.room_id, product_id=world.product_id,
        quantity=1, key="c",
    )  # fmt: skip
    await service.cancel_order(world.checkout, buyer_id=buyer, order_id=placed.order.id)
    own = await paid_order(world, promoter, "own")
    for order_id in (unrated, unbound, placed.order.id, own):
        assert await rows(world, order_id) == []


async def test_second_level_pays_on_sales_only(world: World) -> None:
    """With two levels, the promoter who brought the promoter earns the second rate on
    the sale; bringing the promoter in earned nothing by itself."""
    upper, promoter, buyer = world.buyer_ids[:3]
    await shop_rate(world, 1000, levels=2, second_rate_bp=200)
    await arrive(world, await link(world, upper), promoter)
    async with world.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Commission)) == 0
    await arrive(world, await link(world, promoter), buyer)
    order_id = await paid_order(world, buyer, "a", quantity=1)
    got = [(who, level, amount) for who, level, _, amount, _, _ in await rows(world, order_id)]
    assert got == [(promoter, 1, PRICE * 1000 // 10_000), (upper, 2, PRICE * 200 // 10_000)]


async def test_group_buy_orders_follow_the_switch(world: World) -> None:
    """Orders the group-buy hook names earn nothing unless the merchant allows it."""
    promoter, buyer = world.buyer_ids[0], world.buyer_ids[1]
    await arrive(world, await link(world, promoter), buyer)

    async def every_order_is_a_group_buy(session: object, order: Order) -> bool:
        return True

    ledger.recognise_group_buys(every_order_is_a_group_buy)
    try:
        await shop_rate(world, 1000)
        assert await rows(world, await paid_order(world, buyer, "g1", 1)) == []
        await shop_rate(world, 1000, group_buys=True)
        assert len(await rows(world, await paid_order(world, buyer, "g2", 1))) == 1
    finally:
        ledger.recognise_group_buys(ledger.is_group_seat)
