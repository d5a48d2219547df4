"""Use cases of group buys: offer a group price, open a group, join one, leave one.

A join goes seat gate first (losers never reach the database), then one transaction
that takes the seat with conditional updates and writes the pending order at the group
price; a seat whose write fails goes back to the gate. If the gate is unreachable the
transaction alone decides (slower, still never N+1).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    AlreadyInGroup,
    Conflict,
    DomainError,
    GroupClosed,
    GroupExpired,
    GroupFull,
    InvalidInput,
    LimitExceeded,
    NotFound,
    SoldOut,
    Unavailable,
)
from livecommerce.groups import closing, seats
from livecommerce.groups.desk import (
    GroupDesk,
    display_name,
    load_group,
    reconcile,
    seated,
    seats_event,
    tell,
)
from livecommerce.groups.events import GroupJoined, GroupOpened
from livecommerce.groups.gate import GroupState, OfferState, Seat
from livecommerce.groups.lifecycle import MAX_SIZE, MIN_SIZE, GroupStatus
from livecommerce.groups.views import GroupView, Joined, OfferView
from livecommerce.orders import transitions
from livecommerce.orders.gate import check_request
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.service import cancel_order
from livecommerce.orders.views import OrderView, order_news
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.storage.models import GroupBuy, GroupMember, GroupOffer, Order, RoomProduct

log = logging.getLogger(__name__)

MAX_UNITS_PER_SEAT = 99


async def create_offer(
    desk: GroupDesk, *, caller: Principal, room_id: int, product_id: int, price_cents: int,
    size: int, stock: int, per_user_limit: int = 1, duration_seconds: int | None = None,
) -> OfferView:  # fmt: skip
    """A group price on a product of the room's shelf."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InvalidInput(f"a group is of {MIN_SIZE} to {MAX_SIZE} buyers")
    if price_cents < 1 or stock < 1 or per_user_limit < 1:
        raise InvalidInput("price, stock and per-buyer limit must be positive")
    seconds = duration_seconds or int(desk.default_duration.total_seconds())
    if seconds < 1:
        raise InvalidInput("the time limit must be positive")
    async with desk.db.unit_of_work() as uow:
        room = await load_room(uow.session, room_id)
        await require_manager(uow.session, room, caller)
        if await uow.session.get(RoomProduct, (room_id, product_id)) is None:
            raise NotFound(f"product {product_id} is not on this room's shelf")
        offer = GroupOffer(
            room_id=room_id, product_id=product_id, price_cents=price_cents, size=size,
            duration_seconds=seconds, stock=stock, sold=0, per_user_limit=per_user_limit,
            active=True, created_at=desk.clock(),
        )  # fmt: skip
        uow.session.add(offer)
        await uow.session.flush()
        view = OfferView.of(offer)
    with suppress(Unavailable):
        await desk.gate.load_offer(OfferState(room_id, view.id, stock, per_user_limit))
    return view


async def open_group(
    desk: GroupDesk, *, buyer_id: int, offer_id: int, quantity: int, key: str
) -> Joined:
    """Open a group of the offer with the buyer's seat (paid for like any order)."""
    check_request(key, quantity)
    existing = await _by_key(desk, buyer_id, key)
    if existing is not None:
        return existing
    now = desk.clock()
    async with desk.db.unit_of_work() as uow:
        offer = await uow.session.get(GroupOffer, offer_id)
        if offer is None or not offer.active:
            raise NotFound(f"group offer {offer_id} not found")
        room = await load_room(uow.session, offer.room_id)
        if room.status == RoomStatus.ENDED:
            raise InvalidInput("the room has ended")
        group = GroupBuy(
            offer_id=offer.id, room_id=offer.room_id, leader_id=None, size=offer.size,
            seats_taken=0, seats_paid=0, status=GroupStatus.OPEN.value, created_at=now,
            expires_at=now + timedelta(seconds=offer.duration_seconds),
        )  # fmt: skip
        uow.session.add(group)
        await uow.session.flush()
        view = GroupView.of(group, offer)
    with suppress(Unavailable):
        await desk.gate.load_group(GroupState(view.ref, view.size, view.expires_at))
    try:
        joined = await join_group(
            desk, buyer_id=buyer_id, group_id=view.id, quantity=quantity, key=key
        )
    except DomainError:
        await _drop_empty(desk, view)
        raise
    if joined.group.id != view.id:  # a concurrent retry of the same key opened one first
        await _drop_empty(desk, view)
    return joined


async def _drop_empty(desk: GroupDesk, view: GroupView) -> None:
    """A group whose leader's seat was refused never opened: cancel it, seatless."""
    async with desk.db.unit_of_work() as uow:
        group = await uow.session.get(GroupBuy, view.id, populate_existing=True)
        if group is not None and group.seats_taken == 0 and group.status == GroupStatus.OPEN:
            group.status, group.closed_at = GroupStatus.CANCELLED.value, desk.clock()
    with suppress(Unavailable):
        await desk.gate.close(view.ref)


async def join_group(
    desk: GroupDesk, *, buyer_id: int, group_id: int, quantity: int, key: str
) -> Joined:
    """Take a seat of the group: a pending order at the group price, paid like any
    order. The same ``key`` answers with the same order."""
    check_request(key, quantity)
    if quantity > MAX_UNITS_PER_SEAT:
        raise InvalidInput(f"at most {MAX_UNITS_PER_SEAT} units per seat")
    facts = await desk.facts(group_id)
    gated = True
    try:
        outcome = await _reserve(desk, facts, buyer_id, key, quantity)
    except Unavailable:
        log.warning("seat gate unreachable; group %d goes straight to the database", group_id)
        outcome, gated = Seat.RESERVED, False
    if outcome is Seat.DUPLICATE:
        found = await _by_key(desk, buyer_id, key)
        if found is not None:
            return found
        # The node that took the seat died before writing it: give it back, judge again.
        await desk.gate.release(facts.ref, buyer_id=buyer_id)
        outcome = await _reserve(desk, facts, buyer_id, key, quantity)
    if outcome is not Seat.RESERVED:
        raise _refusal(outcome)
    try:
        return await _write(desk, facts, buyer_id, key, quantity)
    except Exception:
        if gated:
            with suppress(Unavailable):
                await desk.gate.release(facts.ref, buyer_id=buyer_id)
        raise


async def _reserve(desk: GroupDesk, facts: GroupView, buyer_id: int, key: str, q: int) -> Seat:
    for _ in range(2):
        result = await desk.gate.join(
            facts.ref, buyer_id=buyer_id, key=key, quantity=q, now=desk.clock()
        )
        if result.outcome is not Seat.MISSING:
            return result.outcome
        await reconcile(desk, facts.ref)
    raise Unavailable("the seat gate lost the group again")


def _refusal(outcome: Seat) -> DomainError:
    refusals: dict[Seat, DomainError] = {
        Seat.MEMBER: AlreadyInGroup("you already hold a seat in this group"),
        Seat.CLOSED: GroupClosed("the group is no longer open"),
        Seat.EXPIRED: GroupExpired("the group's time limit has passed"),
        Seat.FULL: GroupFull("the group is full"),
        Seat.SOLD_OUT: SoldOut("the group stock is sold out"),
        Seat.LIMIT_EXCEEDED: LimitExceeded("over the per-buyer limit for this group price"),
    }
    return refusals.get(outcome, Conflict(f"seat refused: {outcome}"))


async def _write(desk: GroupDesk, facts: GroupView, buyer_id: int, key: str, q: int) -> Joined:
    now = desk.clock()
    try:
        async with desk.db.unit_of_work() as uow:
            s = uow.session
            group, offer = await load_group(s, facts.id)
            taken = await seats.take_seat(s, group, offer, buyer_id=buyer_id, quantity=q, now=now)
            order = Order(
                buyer_id=buyer_id, room_id=group.room_id, product_id=offer.product_id,
                sale_id=None, quantity=q, unit_price_cents=offer.price_cents,
                status=OrderStatus.PENDING_PAYMENT.value, idempotency_key=key, created_at=now,
                expires_at=min(now + desk.checkout.payment_ttl, group.expires_at),
                awaiting_group=True,
            )  # fmt: skip
            s.add(order)
            await s.flush()
            s.add(GroupMember(group_id=group.id, offer_id=offer.id, buyer_id=buyer_id,
                              order_id=order.id, quantity=q, joined_at=now))  # fmt: skip
            await s.flush()
            group, offer = await load_group(s, facts.id)
            opened = taken.seats_taken == 1 and taken.leader_id == buyer_id
            uow.emit(
                group.room_id, seats_event(GroupOpened if opened else GroupJoined, group, offer)
            )
            others = [u for u in await seated(s, group.id) if u != buyer_id]
            tell(uow, group, others, what="joined", who=await display_name(s, buyer_id))
            uow.emit_to(group.room_id, buyer_id, order_news(order.id, order.status, None))
            return Joined(GroupView.of(group, offer), OrderView.of(order), created=True)
    except IntegrityError:
        found = await _by_key(desk, buyer_id, key)  # a concurrent retry of this key won
        if found is not None:
            return found
        raise AlreadyInGroup("you already hold a seat in this group") from None


async def _by_key(desk: GroupDesk, buyer_id: int, key: str) -> Joined | None:
    """The buyer's seat under ``key``, if that key took one."""
    async with desk.db.read() as session:
        row = (
            await session.execute(
                select(Order, GroupMember.group_id)
                .join(GroupMember, GroupMember.order_id == Order.id)
                .where(Order.buyer_id == buyer_id, Order.idempotency_key == key)
            )
        ).first()
        if row is None:
            return None
        order, group_id = row
        group, offer = await load_group(session, group_id)
        return Joined(GroupView.of(group, offer), OrderView.of(order), created=False)


async def leave_group(desk: GroupDesk, *, buyer_id: int, group_id: int) -> GroupView:
    """Give up the buyer's seat before the group fills: an unpaid order is cancelled, a
    paid one refunded in full. The next member leads if the leader leaves."""
    async with desk.db.read() as session:
        order_id = await session.scalar(
            select(GroupMember.order_id).where(
                GroupMember.group_id == group_id, GroupMember.buyer_id == buyer_id,
                GroupMember.active.is_(True),
            )
        )  # fmt: skip
        if order_id is None:
            raise NotFound("you hold no seat in this group")
        order = await session.get(Order, order_id)
        assert order is not None
    if order.status == OrderStatus.PENDING_PAYMENT:
        await cancel_order(desk.checkout, buyer_id=buyer_id, order_id=order_id)
    else:
        await _leave_paid(desk, buyer_id, group_id, order_id)
    async with desk.db.read() as session:
        return GroupView.of(*await load_group(session, group_id))


async def _leave_paid(desk: GroupDesk, buyer_id: int, group_id: int, order_id: int) -> None:
    now = desk.clock()
    async with desk.db.unit_of_work() as uow:
        s = uow.session
        # The group first (lock order: see ``closing``): a completion cannot slip between.
        group = await s.scalar(
            select(GroupBuy).where(GroupBuy.id == group_id).with_for_update()
            .execution_options(populate_existing=True)
        )  # fmt: skip
        if group is None or group.status != GroupStatus.OPEN:
            raise GroupClosed("the group is no longer open")
        moved = await transitions.move(
            uow, order_id, OrderStatus.PAID, OrderStatus.REFUNDING,
            actor=transitions.buyer(buyer_id), now=now, reason="left the group",
            values={"awaiting_group": False},
        )  # fmt: skip
        member = await seats.vacate(s, order_id)
        if moved is None or member is None:
            raise Conflict("the seat changed meanwhile; try again")
        await seats.give_back(s, member, seat=True)
        await closing.seat_left(desk, uow, group_id, buyer_id)
        await desk.refund(uow, moved, now=now)
    with suppress(Unavailable):
        await desk.gate.release((await desk.facts(group_id)).ref, buyer_id=buyer_id)
