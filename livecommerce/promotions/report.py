"""The console's coupon page of one show: its templates, drops, claims and redemptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import NotFound, PermissionDenied
from livecommerce.promotions.drops import room_drops
from livecommerce.promotions.templates import host_cap, list_templates
from livecommerce.storage.models import CouponClaim, CouponDrop, Order, Room, User


def rows_redeemed(claims: list[dict[str, Any]]) -> list[tuple[int]]:
    return [(int(c["drop_id"]),) for c in claims if c["status"] == "redeemed"]


async def show_report(
    session: AsyncSession, *, caller: Principal, room_id: int, now: datetime
) -> dict[str, Any]:
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    if caller.user_id not in (room.host_id, room.merchant_id) and caller.role != "admin":
        raise PermissionDenied("only the room's host or merchant sees its coupons")
    drops = await room_drops(session, room_id, now, private=True)
    rows = await session.execute(
        select(CouponClaim, User.handle, Order.status, Order.discount_cents)
        .join(CouponDrop, CouponDrop.id == CouponClaim.drop_id)
        .join(User, User.id == CouponClaim.user_id)
        .outerjoin(Order, Order.id == CouponClaim.order_id)
        .where(CouponDrop.room_id == room_id)
        .order_by(CouponClaim.id.desc())
        .limit(500)
    )
    claims = [
        {
            "id": c.id, "drop_id": c.drop_id, "buyer": handle, "status": c.status,
            "claimed_at": c.claimed_at.isoformat(), "expires_at": c.expires_at.isoformat(),
            "order_id": c.order_id, "order_status": order_status,
            "discount_cents": discount or 0,
        }
        for c, handle, order_status, discount in rows
    ]  # fmt: skip
    redeemed: dict[int, int] = {}
    for c, *_ in rows_redeemed(claims):
        redeemed[c] = redeemed.get(c, 0) + 1
    caller_templates = await list_templates(session, caller=caller, room_id=room_id)
    return {
        "room_id": room_id,
        "host_cap_cents": await host_cap(session, room.merchant_id),
        "templates": [t.as_dict() for t in caller_templates],
        "drops": [{**d.data(), "redeemed": redeemed.get(d.id, 0)} for d in drops],
        "claims": claims,
    }
