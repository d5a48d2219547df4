"""Coupons given to chosen buyers (a lucky draw's winners) rather than claimed.

A grant comes from a *private* batch: a ``CouponDrop`` that is never open, so the public
claim gate refuses it and the room shows no card for it, while its claims are rows like
any other (the console's show report lists them, checkout redeems them). The batch holds
as many coupons as were promised (``quantity``) and the claim's key is the caller's
(``draw:<id>:<user>``): ``(drop, buyer, key)`` is unique, so a retried grant finds the
coupon it gave and never gives a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import CouponExhausted, InvalidInput, NotFound
from livecommerce.promotions.events import CouponClaimed
from livecommerce.promotions.redemption import AVAILABLE
from livecommerce.promotions.views import TemplateView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import CouponClaim, CouponDrop, CouponTemplate, Room


def most_off_cents(template: TemplateView) -> int:
    """The most one coupon of the template can take off an order: what it is worth."""
    if template.kind == "fixed":
        return template.amount_off_cents
    return template.max_discount_cents or 0


async def prize_template(session: AsyncSession, *, room: Room, template_id: int) -> TemplateView:
    """A template the room's show may give away: the room's merchant's, for any show or
    this one."""
    template = await session.get(CouponTemplate, template_id)
    if template is None or template.merchant_id != room.merchant_id:
        raise NotFound(f"coupon template {template_id} not found")
    if template.room_id not in (None, room.id):
        raise InvalidInput("this coupon template was made for another show")
    return TemplateView.of(template)


async def reserve_batch(
    uow: UnitOfWork, *, room_id: int, template_id: int, quantity: int, by: int, now: datetime
) -> int:
    """A private batch of ``quantity`` coupons of the template; its id."""
    template = await uow.session.get(CouponTemplate, template_id)
    assert template is not None
    row = CouponDrop(
        template_id=template_id, room_id=room_id, dropped_by=by, dropped_at=now,
        claim_ends_at=now, quantity=quantity, per_buyer_limit=1, claimed=0, private=True,
    )  # fmt: skip
    uow.session.add(row)
    await uow.session.flush()
    return row.id


async def grant(
    uow: UnitOfWork, *, drop_id: int, buyer_id: int, key: str, now: datetime
) -> CouponClaim:
    """Give the buyer one coupon of the private batch, usable at once until the
    template's validity runs out; the same ``key`` answers with the coupon it gave."""
    session = uow.session
    existing = await session.scalar(
        select(CouponClaim).where(
            CouponClaim.drop_id == drop_id,
            CouponClaim.user_id == buyer_id,
            CouponClaim.idempotency_key == key,
        )
    )
    if existing is not None:
        return existing
    found = (
        await session.execute(
            select(CouponDrop, CouponTemplate)
            .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
            .where(CouponDrop.id == drop_id, CouponDrop.private.is_(True))
        )
    ).first()
    if found is None:
        raise NotFound(f"private coupon batch {drop_id} not found")
    drop, template = found
    d = CouponDrop
    taken = await session.execute(
        update(d)
        .where(d.id == drop_id, d.quantity.is_(None) | (d.claimed < d.quantity))
        .values(claimed=d.claimed + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):
        raise CouponExhausted("every coupon of this batch is given")
    row = CouponClaim(
        drop_id=drop_id, user_id=buyer_id, ordinal=1, idempotency_key=key, status=AVAILABLE,
        claimed_at=now, expires_at=now + timedelta(minutes=template.valid_minutes),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    uow.emit_to(
        drop.room_id, buyer_id,
        CouponClaimed(claim_id=row.id, drop_id=drop_id, expires_at=row.expires_at.isoformat()),
    )  # fmt: skip
    return row
