"""How groups end: a seat paid (and the group complete when every seat is), a seat
given back (an unpaid order closed), and the timer that fails groups past their time
limit and refunds every paid member through the durable refund work item.

Lock order, so concurrent payments, expiries, leaves and timers never deadlock on
PostgreSQL: a payment or an expiry locks its order, then (an expiry only) the group; a
completion or a leave locks the group, then orders. A completion runs only when every
seat is paid, so no order in it can be expiring; failing is claimed first in its own
transaction, and each member is then settled in a transaction of its own.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update

from livecommerce.errors import Unavailable
from livecommerce.groups import events, seats
from livecommerce.groups.desk import GroupDesk, display_name, load_group, seated, seats_event, tell
from livecommerce.groups.gate import GroupRef
from livecommerce.groups.lifecycle import GroupStatus, transition
from livecommerce.loops import pass_failed, pause
from livecommerce.orders import transitions
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.service import close_pending
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import GroupBuy, GroupMember, Order

log = logging.getLogger(__name__)

OPEN = GroupStatus.OPEN.value
BATCH = 100


def _ref(group: GroupBuy) -> GroupRef:
    return GroupRef(group.room_id, group.offer_id, group.id)


def install(desk: GroupDesk) -> None:
    """Follow orders: their payments and closes run the group's side in the same
    transaction."""

    async def on_paid(uow: UnitOfWork, order: Order) -> None:
        await seat_paid(desk, uow, order)

    async def on_closed(uow: UnitOfWork, order: Order) -> None:
        await seat_closed(desk, uow, order)

    desk.checkout.paid_hooks.append(on_paid)
    desk.checkout.close_hooks.append(on_closed)


async def seat_paid(desk: GroupDesk, uow: UnitOfWork, order: Order) -> None:
    if not order.awaiting_group:
        return
    m = GroupMember
    row = (
        await uow.session.execute(
            update(m)
            .where(m.order_id == order.id, m.active.is_(True))
            .values(paid=True)
            .returning(m.group_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return
    group_id = row[0]

    async def complete_now() -> None:
        await complete(desk, group_id)

    uow.after_commit(complete_now)  # the timer's pass completes it if this node cannot


def _paid() -> ColumnElement[int]:
    """The group row's count of paid seats, for a conditional update of that row."""
    m = GroupMember
    return (
        select(func.count()).select_from(m)
        .where(m.group_id == GroupBuy.id, m.active.is_(True), m.paid.is_(True))
        .scalar_subquery()
    )  # fmt: skip


async def complete(desk: GroupDesk, group_id: int) -> bool:
    """Complete the group if every seat is paid; True if this call did."""
    now = desk.clock()
    g, m = GroupBuy, GroupMember
    paid = _paid()
    async with desk.db.unit_of_work() as uow:
        s = uow.session
        won = await s.execute(
            update(g)
            .where(g.id == group_id, g.status == OPEN, g.seats_taken == g.size, paid == g.size)
            .values(status=transition(OPEN, GroupStatus.COMPLETED).value, seats_paid=g.size,
                    closed_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if not getattr(won, "rowcount", 0):
            return False
        orders = select(m.order_id).where(m.group_id == group_id, m.active.is_(True))
        await s.execute(
            update(Order).where(Order.id.in_(orders)).values(awaiting_group=False)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        group, offer = await load_group(s, group_id)
        uow.emit(group.room_id, seats_event(events.GroupCompleted, group, offer))
        tell(uow, group, await seated(s, group_id), what="completed")
        _close_gate_after(desk, uow, group)
    return True


async def seat_closed(desk: GroupDesk, uow: UnitOfWork, order: Order) -> None:
    """A seat's unpaid order was cancelled or expired: the seat and its units go back."""
    if not order.awaiting_group:
        return
    s = uow.session
    member = await seats.vacate(s, order.id)
    if member is None:
        return
    group, _ = await load_group(s, member.group_id)
    still_open = group.status == OPEN
    await seats.give_back(s, member, seat=still_open)
    if still_open:
        await seat_left(desk, uow, group.id, member.buyer_id)
    ref, buyer_id = _ref(group), member.buyer_id

    async def release() -> None:
        with suppress(Unavailable):  # the database decides; the gate is rebuilt on a miss
            await desk.gate.release(ref, buyer_id=buyer_id)

    uow.after_commit(release)


async def seat_left(desk: GroupDesk, uow: UnitOfWork, group_id: int, buyer_id: int) -> None:
    """After a seat of an open group was given back: the next member leads if the
    leader left, the group is cancelled if nobody is left; the room and members hear."""
    s = uow.session
    group, offer = await load_group(s, group_id)
    left = await seated(s, group_id)
    who = await display_name(s, buyer_id)
    if not left:
        await s.execute(
            update(GroupBuy).where(GroupBuy.id == group_id, GroupBuy.status == OPEN)
            .values(status=GroupStatus.CANCELLED.value, leader_id=None, closed_at=desk.clock())
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        group, offer = await load_group(s, group_id)
        uow.emit(group.room_id, seats_event(events.GroupCancelled, group, offer))
        _close_gate_after(desk, uow, group)
        return
    if group.leader_id == buyer_id:
        leader = await seats.next_leader(s, group_id)
        group.leader_id = leader
        await s.flush()
        if leader is not None:
            tell(uow, group, [leader], what="leader")
    uow.emit(group.room_id, seats_event(events.GroupLeft, group, offer))
    tell(uow, group, left, what="left", who=who)


def _close_gate_after(desk: GroupDesk, uow: UnitOfWork, group: GroupBuy) -> None:
    ref = _ref(group)

    async def close() -> None:
        with suppress(Unavailable):
            await desk.gate.close(ref)

    uow.after_commit(close)


async def fail(desk: GroupDesk, group_id: int, *, now: datetime) -> bool:
    """Claim the failure of a group past its time limit; True if this call did. Its
    members are settled by ``settle_failed`` (right after, and by every timer pass)."""
    g = GroupBuy
    async with desk.db.unit_of_work() as uow:
        won = await uow.session.execute(
            update(g)
            .where(g.id == group_id, g.status == OPEN, g.expires_at <= now, _paid() < g.size)
            .values(status=transition(OPEN, GroupStatus.FAILED).value, closed_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if not getattr(won, "rowcount", 0):
            return False
        group, offer = await load_group(uow.session, group_id)
        uow.emit(group.room_id, seats_event(events.GroupFailed, group, offer))
        tell(uow, group, await seated(uow.session, group_id), what="failed")
        _close_gate_after(desk, uow, group)
    return True


async def settle_member(desk: GroupDesk, order_id: int, *, now: datetime) -> None:
    """One member of a failed group: an unpaid order expires (its seat goes back by the
    close hook), a paid one is refunded in full. Each claimed once, however many run."""
    async with desk.db.unit_of_work() as uow:
        s = uow.session
        order = await s.get(Order, order_id, populate_existing=True)
        assert order is not None
        if order.status == OrderStatus.PENDING_PAYMENT:
            await close_pending(desk.checkout, uow, order, OrderStatus.EXPIRED,
                                actor=transitions.SYSTEM)  # fmt: skip
            return
        if order.status != OrderStatus.PAID:  # closed already: its seat went back then
            return
        moved = await transitions.move(
            uow, order.id, OrderStatus.PAID, OrderStatus.REFUNDING, actor=transitions.SYSTEM,
            now=now, reason="the group did not fill in time", values={"awaiting_group": False},
        )  # fmt: skip
        if moved is None:
            return
        member = await seats.vacate(s, order.id)
        if member is not None:
            await seats.give_back(s, member, seat=False)
        await desk.refund(uow, moved, now=now)


async def _unsettled(desk: GroupDesk) -> list[int]:
    """Orders of failed groups whose members still hold a seat (not yet settled)."""
    g, m = GroupBuy, GroupMember
    async with desk.db.read() as session:
        rows = await session.scalars(
            select(m.order_id).join(g, g.id == m.group_id)
            .where(g.status == GroupStatus.FAILED.value, m.active.is_(True))
            .order_by(m.order_id).limit(BATCH)
        )  # fmt: skip
        return list(rows)


async def sweep(desk: GroupDesk, *, now: datetime) -> int:
    """One timer pass: complete fully paid groups, fail those past their time limit,
    settle failed groups' members. How many groups and members it moved."""
    g = GroupBuy
    async with desk.db.read() as session:
        full = list(await session.scalars(
            select(g.id).where(g.status == OPEN, g.seats_taken == g.size).limit(BATCH)
        ))  # fmt: skip
        due = list(await session.scalars(
            select(g.id).where(g.status == OPEN, g.expires_at <= now)
            .order_by(g.expires_at).limit(BATCH)
        ))  # fmt: skip
    moved = sum([await complete(desk, group_id) for group_id in full])
    moved += sum([await fail(desk, group_id, now=now) for group_id in due])
    for order_id in await _unsettled(desk):
        await settle_member(desk, order_id, now=now)
        moved += 1
    return moved


async def run_groups(desk: GroupDesk) -> None:
    """Complete, fail and settle groups every ``sweep_interval`` seconds."""
    while True:
        try:
            while await sweep(desk, now=desk.clock()) >= BATCH:
                pass
        except Exception as exc:
            pass_failed(log, "group pass failed", exc)
        await pause(desk.sweep_interval)
