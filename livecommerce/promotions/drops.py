"""Coupon drops: a template put in a live room, the batch its viewers claim from.

A drop is claimable while its show is live and, for a timed window, until
``claim_ends_at`` (N minutes after the drop, or the template's time); every drop closes
with its show. ``open`` is derived from those rows, never stored, so the gate's copy can
always be rebuilt from the database (:func:`gate_state`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.promotions.events import CouponDropped
from livecommerce.promotions.gate import DropRef, GateDrop
from livecommerce.promotions.views import DropView
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import CouponClaim, CouponDrop, CouponTemplate, Room


def is_open(room: Room, drop: CouponDrop, now: datetime) -> bool:
    if drop.private or room.status != RoomStatus.LIVE:
        return False
    return drop.claim_ends_at is None or now < drop.claim_ends_at


def _claim_ends(template: CouponTemplate, now: datetime) -> datetime | None:
    if template.claim_window == "minutes":
        return now + timedelta(minutes=template.claim_minutes or 0)
    if template.claim_window == "until":
        return template.claim_until
    return None


def _may_run(caller: Principal, room: Room) -> bool:
    return caller.user_id == room.host_id or (
        caller.role in ("merchant", "admin") and caller.user_id == room.merchant_id
    )


async def drop_coupon(
    uow: UnitOfWork, *, caller: Principal, room_id: int, template_id: int, now: datetime
) -> DropView:
    """Drop a template in a live room; viewers see the card at once (``coupon.dropped``)."""
    session = uow.session
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    if not _may_run(caller, room):
        raise PermissionDenied("only the room's host or merchant drops coupons")
    template = await session.get(CouponTemplate, template_id)
    if template is None or template.merchant_id != room.merchant_id:
        raise NotFound(f"coupon template {template_id} not found")
    if template.room_id not in (None, room_id):
        raise InvalidInput("this template was made for another show")
    if room.status != RoomStatus.LIVE:
        raise InvalidInput("coupons are dropped while the show is live")
    ends = _claim_ends(template, now)
    if ends is not None and ends <= now:
        raise InvalidInput("the template's claim window is already over")
    row = CouponDrop(
        template_id=template.id, room_id=room_id, dropped_by=caller.user_id, dropped_at=now,
        claim_ends_at=ends, quantity=template.total_quantity,
        per_buyer_limit=template.per_buyer_limit, claimed=0,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    view = DropView.of(row, template, open=True)
    uow.emit(room_id, CouponDropped(drop=view.data()))
    return view


async def load_drop(session: AsyncSession, drop_id: int, now: datetime) -> DropView:
    row = await session.execute(
        select(CouponDrop, CouponTemplate, Room)
        .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
        .join(Room, Room.id == CouponDrop.room_id)
        .where(CouponDrop.id == drop_id)
    )
    found = row.first()
    if found is None:
        raise NotFound(f"coupon drop {drop_id} not found")
    drop, template, room = found
    return DropView.of(drop, template, open=is_open(room, drop, now))


async def room_drops(
    session: AsyncSession, room_id: int, now: datetime, *, private: bool = False
) -> list[DropView]:
    """The room's drops, newest first; with ``private``, also its given-away batches."""
    query = (
        select(CouponDrop, CouponTemplate, Room)
        .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
        .join(Room, Room.id == CouponDrop.room_id)
        .where(CouponDrop.room_id == room_id)
        .order_by(CouponDrop.id.desc())
    )
    if not private:
        query = query.where(CouponDrop.private.is_(False))
    rows = await session.execute(query)
    return [DropView.of(d, t, open=is_open(r, d, now)) for d, t, r in rows]


async def gate_state(session: AsyncSession, drop: DropView) -> GateDrop:
    """The gate state the rows imply: ``claimed`` and each buyer's count are counted
    from the claim rows, not copied from the drop's counter."""
    rows = (
        await session.execute(
            select(CouponClaim.user_id, CouponClaim.idempotency_key).where(
                CouponClaim.drop_id == drop.id
            )
        )
    ).all()
    buyers: dict[int, int] = {}
    for user_id, _ in rows:
        buyers[user_id] = buyers.get(user_id, 0) + 1
    return GateDrop(
        ref=drop.ref, quantity=drop.quantity, per_buyer_limit=drop.per_buyer_limit,
        claim_ends_at=drop.claim_ends_at, open=drop.open, claimed=len(rows), buyers=buyers,
        keys=frozenset((u, k) for u, k in rows),
    )  # fmt: skip


async def count_claims(session: AsyncSession, drop_id: int) -> int:
    """How many claims the drop's rows hold: what ``coupon_drop.claimed`` must say."""
    query = select(func.count()).select_from(CouponClaim).where(CouponClaim.drop_id == drop_id)
    return int(await session.scalar(query) or 0)


async def open_refs(session: AsyncSession, room_id: int) -> list[DropRef]:
    ids = await session.scalars(select(CouponDrop.id).where(CouponDrop.room_id == room_id))
    return [DropRef(room_id, i) for i in ids]
