"""Group buys end to end on the domain: open, join, complete; fail and refund; leave;
bad input refused with nothing changed; the database's conditional update as the
authority on the last seat."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from livecommerce.errors import (
    AlreadyInGroup,
    AwaitingGroup,
    GroupClosed,
    GroupExpired,
    GroupFull,
    LimitExceeded,
)
from livecommerce.groups import closing
from livecommerce.groups.gate import GroupRef, GroupState, OfferState, Seat, SeatResult
from livecommerce.orders import fulfilment
from livecommerce.orders.service import expire_due_orders
from livecommerce.storage.models import GroupBuy, GroupOffer, Order, Product, Refund
from tests.groups.conftest import Groups


async def _group(g: Groups, group_id: int) -> GroupBuy:
    async with g.w.db.read() as session:
        row = await session.get(GroupBuy, group_id)
        assert row is not None
        return row


async def _order(g: Groups, order_id: int) -> Order:
    async with g.w.db.read() as session:
        row = await session.get(Order, order_id)
        assert row is not None
        return row


async def _ship(g: Groups, order_id: int) -> None:
    await fulfilment.ship(g.w.db, order_id=order_id, actor_user_id=g.w.merchant_id,
                          carrier="SF", tracking_number="1", now=g.w.clock())  # fmt: skip


async def _filled(g: Groups) -> tuple[int, list[int]]:
    b = g.w.buyer_ids
    await g.offer(size=3)
    opened = await g.open(b[0])
    orders = [opened.order.id]
    for buyer in b[1:3]:
        orders.append((await g.join(buyer, opened.group.id)).order.id)
    return opened.group.id, orders


async def test_a_group_that_fills_completes_and_only_then_ships(groups: Groups) -> None:
    """Three seats paid: the group completes, the room hears opened, two joins and
    completed, and the orders become shippable (refused before)."""
    g = groups
    group_id, orders = await _filled(g)
    await g.pay(g.w.buyer_ids[0], orders[0])
    with pytest.raises(AwaitingGroup):
        await _ship(g, orders[0])
    for buyer, order_id in zip(g.w.buyer_ids[1:3], orders[1:], strict=True):
        await g.pay(buyer, order_id)
    assert (await _group(g, group_id)).status == "completed"
    types = [t for t in g.w.events.types() if t.startswith("group.")]
    assert types == ["group.opened", "group.joined", "group.joined", "group.completed"]
    news = [(u, d["what"]) for _, u, t, d in g.w.events.private if t == "group.news"]
    assert (g.w.buyer_ids[2], "completed") in news and (g.w.buyer_ids[0], "joined") in news
    for order_id in orders:
        assert (await _order(g, order_id)).awaiting_group is False
        await _ship(g, order_id)


async def test_a_group_past_its_time_limit_fails_and_refunds_once(groups: Groups) -> None:
    """Two of three seats paid, time runs out: the group fails, both members are refunded
    through one refund row each, stock comes back; more passes change nothing."""
    g = groups
    b = g.w.buyer_ids
    await g.offer(size=3, seconds=600)
    opened = await g.open(b[0])
    joined = await g.join(b[1], opened.group.id)
    for buyer, order_id in ((b[0], opened.order.id), (b[1], joined.order.id)):
        await g.pay(buyer, order_id)
    g.w.clock.advance(seconds=601)
    for _ in range(3):
        await closing.sweep(g.desk, now=g.w.clock())
    assert (await _group(g, opened.group.id)).status == "failed"
    for order_id in (opened.order.id, joined.order.id):
        assert (await _order(g, order_id)).status == "refunded"
    async with g.w.db.read() as session:
        refunds = list(await session.scalars(select(Refund)))
        product = await session.get(Product, g.w.product_id)
        offer = await session.get(GroupOffer, g.offer_id)
    assert sorted(r.order_id for r in refunds) == sorted([opened.order.id, joined.order.id])
    assert all(r.status == "succeeded" and r.amount_cents == 1500 for r in refunds)
    assert product is not None and product.stock_on_hand == 1000
    assert offer is not None and offer.sold == 0
    assert "group.failed" in g.w.events.types()


async def test_bad_joins_are_refused_with_nothing_changed(groups: Groups) -> None:
    """Twice in one group, over the limit, a full group, an expired one, a failed one."""
    g = groups
    b = g.w.buyer_ids
    await g.offer(size=2, limit=1, seconds=600)
    first = await g.open(b[0])
    assert (await g.open(b[0])).order.id == first.order.id  # the same key, the same order
    with pytest.raises(AlreadyInGroup):
        await g.join(b[0], first.group.id, key="again")
    with pytest.raises(LimitExceeded):
        await g.open(b[0], key="second")
    await g.join(b[1], first.group.id)
    with pytest.raises(GroupFull):
        await g.join(b[2], first.group.id)
    assert (await _group(g, first.group.id)).seats_taken == 2
    other = await g.open(b[2], key="o")
    g.w.clock.advance(seconds=601)
    with pytest.raises(GroupExpired):
        await g.join(b[3], other.group.id)
    await closing.sweep(g.desk, now=g.w.clock())
    with pytest.raises(GroupClosed):
        await g.join(b[3], other.group.id, key="late")
    async with g.w.db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Order))
    assert count == 3


async def test_an_unpaid_seat_goes_back_and_the_next_member_leads(groups: Groups) -> None:
    """The leader's unpaid order expires: the seat is free, the next member leads; when
    the last member cancels the group is cancelled."""
    g = groups
    b = g.w.buyer_ids
    await g.offer(size=3)
    opened = await g.open(b[0])
    second = await g.join(b[1], opened.group.id)
    g.w.clock.advance(minutes=16)
    third = await g.join(b[2], opened.group.id)
    assert await expire_due_orders(g.w.checkout, now=g.w.clock()) == 2
    group = await _group(g, opened.group.id)
    assert (group.seats_taken, group.leader_id, group.status) == (1, b[2], "open")
    assert second.order.id != third.order.id
    again = await g.join(b[0], opened.group.id, key="back")  # the seat came back
    assert again.group.seats_taken == 2
    for buyer in (b[2], b[0]):
        await commands_leave(g, buyer, opened.group.id)
    assert (await _group(g, opened.group.id)).status == "cancelled"
    assert "group.cancelled" in g.w.events.types()


async def commands_leave(g: Groups, buyer: int, group_id: int) -> None:
    from livecommerce.groups.commands import leave_group

    await leave_group(g.desk, buyer_id=buyer, group_id=group_id)


async def test_a_paid_member_who_leaves_is_refunded(groups: Groups) -> None:
    """Leaving a paid seat before the group fills refunds it and frees the seat."""
    g = groups
    b = g.w.buyer_ids
    await g.offer(size=3)
    opened = await g.open(b[0])
    await g.pay(b[0], opened.order.id)
    await g.join(b[1], opened.group.id)
    await commands_leave(g, b[0], opened.group.id)
    assert (await _order(g, opened.order.id)).status == "refunded"
    group = await _group(g, opened.group.id)
    assert (group.seats_taken, group.leader_id) == (1, b[1])


class YesGate:
    """A gate that says yes to everything (wrong on purpose): the database decides."""

    async def load_offer(self, offer: OfferState) -> None: ...
    async def load_group(self, group: GroupState) -> None: ...
    async def release(self, ref: GroupRef, *, buyer_id: int) -> int:
        return 0

    async def close(self, ref: GroupRef) -> None: ...
    async def join(
        self, ref: GroupRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> SeatResult:
        return SeatResult(Seat.RESERVED, 1)


@pytest.mark.parametrize("gated", [True, False], ids=["gate", "database-only"])
async def test_concurrent_joins_on_the_last_seat(groups: Groups, gated: bool) -> None:
    """Four buyers join the last seat at once: one wins, three hear the group is full;
    with a gate that lets everyone through the database alone keeps it at N."""
    g = groups
    b = g.w.buyer_ids
    await g.offer(size=3, stock=100)
    opened = await g.open(b[0])
    await g.join(b[1], opened.group.id)
    if not gated:
        g.desk.gate = YesGate()
    results = await asyncio.gather(
        *(g.join(buyer, opened.group.id) for buyer in b[2:]), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, GroupFull) for r in results if isinstance(r, BaseException))
    assert (await _group(g, opened.group.id)).seats_taken == 3
