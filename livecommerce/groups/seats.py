"""Seat arithmetic in the database, the authority behind the seat gate.

Every change is a conditional update: a seat is taken only ``WHERE status = 'open'
AND seats_taken < size AND expires_at > now``, the offer's units only while ``sold + q
<= stock``, the buyer's only while ``held + q <= per_user_limit``; so however many
nodes race, and whatever the gate believes, no group ever has N+1 members. Rows are
touched in one order (group, buyer's counter, offer, product) so concurrent joins
never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.catalog.service import take_product_stock
from livecommerce.errors import GroupClosed, GroupExpired, GroupFull, LimitExceeded, SoldOut
from livecommerce.groups.lifecycle import GroupStatus
from livecommerce.storage.models import GroupBuy, GroupBuyer, GroupMember, GroupOffer

OPEN = GroupStatus.OPEN.value


@dataclass(frozen=True, slots=True)
class Taken:
    seats_taken: int
    leader_id: int | None


async def take_seat(
    session: AsyncSession, group: GroupBuy, offer: GroupOffer, *, buyer_id: int,
    quantity: int, now: datetime,
) -> Taken:  # fmt: skip
    """Take a seat and its units, or raise why not (the caller's transaction rolls back)."""
    g = GroupBuy
    row = (
        await session.execute(
            update(g)
            .where(g.id == group.id, g.status == OPEN, g.seats_taken < g.size, g.expires_at > now)
            .values(seats_taken=g.seats_taken + 1, leader_id=func.coalesce(g.leader_id, buyer_id))
            .returning(g.seats_taken, g.leader_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        raise await _why_not(session, group.id, now)
    await _count_buyer(session, offer, buyer_id, quantity)
    o = GroupOffer
    taken = await session.execute(
        update(o)
        .where(o.id == offer.id, o.sold + quantity <= o.stock)
        .values(sold=o.sold + quantity)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):
        raise SoldOut("the group stock is sold out")
    if not await take_product_stock(session, offer.product_id, quantity):
        raise SoldOut("out of stock")
    return Taken(row[0], row[1])


async def _why_not(session: AsyncSession, group_id: int, now: datetime) -> Exception:
    group = await session.get(GroupBuy, group_id, populate_existing=True)
    assert group is not None
    if group.status != OPEN:
        return GroupClosed(f"the group is {group.status}")
    if now >= group.expires_at:
        return GroupExpired("the group's time limit has passed")
    return GroupFull("the group is full")


async def _count_buyer(session: AsyncSession, offer: GroupOffer, buyer_id: int, q: int) -> None:
    if q > offer.per_user_limit:
        raise _over_limit(offer)
    postgres = session.get_bind().dialect.name == "postgresql"
    upsert: Any = (pg_insert if postgres else sqlite_insert)(GroupBuyer).values(
        offer_id=offer.id, user_id=buyer_id, quantity=q
    )
    c = GroupBuyer.__table__.c
    statement = upsert.on_conflict_do_update(
        index_elements=[c.offer_id, c.user_id],
        set_={"quantity": c.quantity + upsert.excluded.quantity},
        where=c.quantity + upsert.excluded.quantity <= offer.per_user_limit,
    ).returning(c.quantity)
    if (await session.execute(statement)).first() is None:
        raise _over_limit(offer)


def _over_limit(offer: GroupOffer) -> LimitExceeded:
    return LimitExceeded(f"at most {offer.per_user_limit} per buyer for this group price")


async def give_back(session: AsyncSession, member: GroupMember, *, seat: bool) -> None:
    """Return a seat's units to the offer and its buyer; ``seat`` (the group is still
    open) also frees the group's seat for someone else."""
    if seat:
        g = GroupBuy
        await session.execute(
            update(g).where(g.id == member.group_id).values(seats_taken=g.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    o, b = GroupOffer, GroupBuyer
    await session.execute(
        update(o).where(o.id == member.offer_id).values(sold=o.sold - member.quantity)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    await session.execute(
        update(b)
        .where(b.offer_id == member.offer_id, b.user_id == member.buyer_id)
        .values(quantity=b.quantity - member.quantity)
        .execution_options(synchronize_session=False)
    )


async def vacate(session: AsyncSession, order_id: int) -> GroupMember | None:
    """Mark the order's seat given back, once; the member row, or None if it was not
    an active seat."""
    m = GroupMember
    row = (
        await session.execute(
            update(m)
            .where(m.order_id == order_id, m.active.is_(True))
            .values(active=False)
            .returning(m.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return None
    return await session.get(GroupMember, row[0], populate_existing=True)


async def next_leader(session: AsyncSession, group_id: int) -> int | None:
    """The earliest-joined member still seated, who leads when the leader leaves."""
    m = GroupMember
    return await session.scalar(
        select(m.buyer_id).where(m.group_id == group_id, m.active.is_(True))
        .order_by(m.joined_at, m.id).limit(1)
    )  # fmt: skip
