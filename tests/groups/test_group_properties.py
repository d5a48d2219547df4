"""Random joins, payments, leaves, expiries and timer passes over several groups: at
the end no group is over its size, the offer's units are the seats' units, and every
paid member is in a completed group or refunded exactly once."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from livecommerce.errors import DomainError
from livecommerce.groups import closing
from livecommerce.groups.commands import leave_group
from livecommerce.orders.service import expire_due_orders
from livecommerce.storage.models import GroupBuy, GroupMember, GroupOffer, Order, Refund
from tests.groups.conftest import Groups


async def _step(g: Groups, rng: random.Random, groups: list[int], seats: dict[int, int]) -> None:
    buyer = rng.choice(g.w.buyer_ids)
    action = rng.choice(["open", "join", "join", "pay", "pay", "leave", "tick", "expire"])
    key = f"k{rng.randrange(10**9)}"
    try:
        if action == "open" or not groups:
            groups.append((await g.open(buyer, key=key)).group.id)
        elif action == "join":
            joined = await g.join(buyer, rng.choice(groups), key=key)
            seats[joined.order.id] = buyer
        elif action == "pay" and seats:
            order_id = rng.choice(sorted(seats))
            await g.pay(seats[order_id], order_id)
        elif action == "leave":
            await leave_group(g.desk, buyer_id=buyer, group_id=rng.choice(groups))
        elif action == "tick":
            g.w.clock.advance(minutes=rng.choice([1, 5, 20]))
            await closing.sweep(g.desk, now=g.w.clock())
        elif action == "expire":
            await expire_due_orders(g.w.checkout, now=g.w.clock())
    except DomainError:
        pass


@pytest.mark.parametrize("seed", [1, 2])
async def test_members_and_refunds_add_up(groups: Groups, seed: int) -> None:
    """Whatever the sequence, the seat arithmetic and the refunds balance."""
    g = groups
    rng = random.Random(seed)
    await g.offer(size=3, stock=30, limit=3, seconds=1800)
    opened: list[int] = []
    seats: dict[int, int] = {}
    for _ in range(120):
        await _step(g, rng, opened, seats)
    g.w.clock.advance(hours=2)
    while await closing.sweep(g.desk, now=g.w.clock()):
        pass
    async with g.w.db.read() as s:
        assert not await s.scalar(select(func.count()).select_from(GroupBuy)
                                  .where(GroupBuy.seats_taken > GroupBuy.size))  # fmt: skip
        assert not await s.scalar(select(func.count()).select_from(GroupBuy)
                                  .where(GroupBuy.status == "open"))  # fmt: skip
        held = await s.scalar(
            select(func.coalesce(func.sum(GroupMember.quantity), 0))
            .join(GroupBuy, GroupBuy.id == GroupMember.group_id)
            .where(GroupMember.active.is_(True), GroupBuy.status == "completed")
        )  # fmt: skip
        offer = await s.get(GroupOffer, g.offer_id)
        assert offer is not None and offer.sold == held
        refunds = dict((await s.execute(
            select(Refund.order_id, func.count()).group_by(Refund.order_id))).all())  # fmt: skip
        paid = (await s.execute(
            select(GroupMember.order_id, GroupBuy.status, Order.status)
            .join(GroupBuy, GroupBuy.id == GroupMember.group_id)
            .join(Order, Order.id == GroupMember.order_id).where(GroupMember.paid.is_(True))
        )).all()  # fmt: skip
    for order_id, group_status, order_status in paid:
        if group_status == "completed" and order_id not in refunds:
            assert order_status == "paid"
        else:
            assert (order_status, refunds.get(order_id)) == ("refunded", 1)
