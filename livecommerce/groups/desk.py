"""The group path's per-process state (seat gate, refund providers, the clock) and the
helpers every group use case shares: reading a group, rebuilding its gate, telling the
room and the members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import NotFound
from livecommerce.groups import events
from livecommerce.groups.gate import GroupRef, GroupState, OfferState, SeatGate
from livecommerce.groups.lifecycle import GroupStatus
from livecommerce.groups.views import GroupView
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.refunds import Providers, open_refund
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import GroupBuy, GroupBuyer, GroupMember, GroupOffer, Order, User

DEFAULT_DURATION = timedelta(hours=24)


@dataclass
class GroupDesk:
    checkout: Checkout
    gate: SeatGate
    providers: Providers
    default_duration: timedelta = DEFAULT_DURATION
    """A new offer's time limit when the merchant names none (``LIVECOMMERCE_GROUP_HOURS``)."""
    sweep_interval: float = 2.0
    _views: dict[int, GroupView] = field(default_factory=dict)

    async def refund(self, uow: UnitOfWork, order: Order, *, now: datetime) -> None:
        """Refund all of an order just moved to ``refunding`` (the durable work item)."""
        await open_refund(self.db, self.providers, uow, order, quantity=order.quantity, now=now)

    @property
    def db(self) -> Database:
        return self.checkout.db

    def clock(self) -> datetime:
        return self.checkout.clock()

    async def facts(self, group_id: int) -> GroupView:
        """The group's fixed terms (room, offer, size, deadline, price), read once per
        node: its counts and status in this copy are not to be trusted."""
        cached = self._views.get(group_id)
        if cached is None:
            async with self.db.read() as session:
                cached = await load_view(session, group_id)
            if len(self._views) > 10_000:
                self._views.clear()
            self._views[group_id] = cached
        return cached


async def load_group(session: AsyncSession, group_id: int) -> tuple[GroupBuy, GroupOffer]:
    group = await session.get(GroupBuy, group_id, populate_existing=True)
    if group is None:
        raise NotFound(f"group {group_id} not found")
    offer = await session.get(GroupOffer, group.offer_id, populate_existing=True)
    assert offer is not None
    return group, offer


async def load_view(session: AsyncSession, group_id: int) -> GroupView:
    return GroupView.of(*await load_group(session, group_id))


async def reconcile(desk: GroupDesk, ref: GroupRef) -> None:
    """Rebuild the group's and its offer's gate from the database (the authority)."""
    async with desk.db.read() as session:
        group, offer = await load_group(session, ref.group_id)
        buyers = await session.execute(
            select(GroupBuyer.user_id, GroupBuyer.quantity).where(GroupBuyer.offer_id == offer.id)
        )
        seats = await session.execute(
            select(GroupMember.buyer_id, Order.idempotency_key, GroupMember.quantity)
            .join(Order, Order.id == GroupMember.order_id)
            .where(GroupMember.group_id == group.id, GroupMember.active.is_(True))
        )
        offer_state = OfferState(
            offer.room_id, offer.id, offer.stock, offer.per_user_limit, offer.sold,
            {b: q for b, q in buyers},
        )  # fmt: skip
        group_state = GroupState(
            ref, group.size, group.expires_at, group.status == GroupStatus.OPEN,
            {b: (k, q) for b, k, q in seats},
        )  # fmt: skip
    await desk.gate.load_offer(offer_state)
    await desk.gate.load_group(group_state)


async def seated(session: AsyncSession, group_id: int) -> list[int]:
    """Buyers holding a seat of the group now."""
    m = GroupMember
    rows = await session.scalars(
        select(m.buyer_id).where(m.group_id == group_id, m.active.is_(True)).order_by(m.id)
    )
    return list(rows)


async def display_name(session: AsyncSession, user_id: int) -> str:
    return await session.scalar(select(User.display_name).where(User.id == user_id)) or ""


def seats_event(
    cls: type[events.GroupSeats], group: GroupBuy, offer: GroupOffer
) -> events.GroupSeats:
    fields = {
        "group_id": group.id, "offer_id": offer.id, "product_id": offer.product_id,
        "seats_taken": group.seats_taken, "size": group.size,
        "expires_at": group.expires_at.isoformat(),
    }  # fmt: skip
    if cls is events.GroupOpened:
        return events.GroupOpened(**fields, price_cents=offer.price_cents)
    return cls(**fields)


def tell(
    uow: UnitOfWork, group: GroupBuy, members: Sequence[int], *, what: str, who: str = ""
) -> None:
    """Private ``group.news`` to each member named."""
    for user_id in members:
        news = events.GroupNews(
            group_id=group.id, what=what, who=who, status=group.status,
            seats_taken=group.seats_taken, size=group.size,
        )  # fmt: skip
        uow.emit_to(group.room_id, user_id, news)
