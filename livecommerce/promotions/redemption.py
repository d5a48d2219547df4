"""Using a claimed coupon on an order, inside the order's own transaction.

The order path prices the line with the coupon (``pricing.quote``), writes the order,
then marks the claim redeemed with a conditional update (``WHERE status = 'available'``):
two orders racing for one coupon cannot both have it, and the loser's whole transaction
rolls back. A cancelled or expired order gives the coupon back if it is still valid
(:func:`give_back`); a refund does not: the coupon was used.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import CouponExpired, CouponNotApplicable, CouponNotFound, CouponUsed
from livecommerce.promotions import pricing
from livecommerce.promotions.views import ClaimView
from livecommerce.storage.models import CouponClaim, CouponDrop, CouponTemplate

AVAILABLE, REDEEMED = "available", "redeemed"


async def own_claim(session: AsyncSession, *, claim_id: int, buyer_id: int) -> ClaimView:
    """The buyer's claim; someone else's is reported missing."""
    found = (
        await session.execute(
            select(CouponClaim, CouponTemplate)
            .join(CouponDrop, CouponDrop.id == CouponClaim.drop_id)
            .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
            .where(CouponClaim.id == claim_id)
        )
    ).first()
    if found is None or found[0].user_id != buyer_id:
        raise CouponNotFound(f"coupon {claim_id} not found")
    return ClaimView.of(found[0], found[1])


def check_usable(claim: ClaimView, *, merchant_id: int, now: datetime) -> None:
    """Refuse a claim that is used, expired, or of another shop."""
    if claim.status != AVAILABLE:
        raise CouponUsed("this coupon is already used on another order")
    if now >= claim.expires_at:
        raise CouponExpired("this coupon has expired")
    if claim.template.merchant_id != merchant_id:
        raise CouponNotApplicable("the coupon is for another shop's products")


async def price_with(
    session: AsyncSession, line: pricing.Line, *, claim_id: int | None, buyer_id: int,
    merchant_id: int, now: datetime,
) -> tuple[pricing.Quote, ClaimView | None]:  # fmt: skip
    """The line's price with the buyer's coupon ``claim_id`` (or none), refusing a
    coupon that does not apply: what checkout charges and the preview shows."""
    if claim_id is None:
        return pricing.quote(line), None
    claim = await own_claim(session, claim_id=claim_id, buyer_id=buyer_id)
    check_usable(claim, merchant_id=merchant_id, now=now)
    return pricing.quote(line, claim.template.coupon()), claim


async def mark_redeemed(
    session: AsyncSession, *, claim_id: int, buyer_id: int, order_id: int, now: datetime
) -> None:
    """Put the claim on ``order_id``; ``CouponUsed`` if another order took it first."""
    c = CouponClaim
    result = await session.execute(
        update(c)
        .where(c.id == claim_id, c.user_id == buyer_id, c.status == AVAILABLE, c.expires_at > now)
        .values(status=REDEEMED, order_id=order_id, redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise CouponUsed("this coupon is already used on another order")


async def give_back(session: AsyncSession, *, order_id: int, now: datetime) -> bool:
    """Return a closed (cancelled or expired) order's coupon, if still valid."""
    c = CouponClaim
    result = await session.execute(
        update(c)
        .where(c.order_id == order_id, c.status == REDEEMED, c.expires_at > now)
        .values(status=AVAILABLE, order_id=None, redeemed_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def usable_claims(
    session: AsyncSession, *, buyer_id: int, merchant_id: int, now: datetime
) -> list[ClaimView]:
    """The buyer's coupons of the shop that could go on an order now."""
    rows = await session.execute(
        select(CouponClaim, CouponTemplate)
        .join(CouponDrop, CouponDrop.id == CouponClaim.drop_id)
        .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
        .where(
            CouponClaim.user_id == buyer_id,
            CouponClaim.status == AVAILABLE,
            CouponClaim.expires_at > now,
            CouponTemplate.merchant_id == merchant_id,
        )
        .order_by(CouponClaim.expires_at)
    )
    return [ClaimView.of(c, t) for c, t in rows]
