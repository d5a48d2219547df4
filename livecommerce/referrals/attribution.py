"""Arrivals through a share link: the click row, and the first-touch binding.

A buyer is bound to at most one referrer per merchant at a time. Inside the window a
later link changes nothing; once it has run out, the next arrival takes the row over
with a conditional update (``WHERE expires_at <= now``), so two arrivals racing for an
expired binding leave exactly one winner, and two racing for a new one meet the unique
``(buyer, merchant)`` constraint inside a savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.referrals.codes import Referral
from livecommerce.referrals.lifecycle import TargetKind
from livecommerce.referrals.rules import Rules
from livecommerce.storage.referral_models import ReferralBinding, ShareClick, ShareLink


@dataclass(frozen=True, slots=True)
class Binding:
    referrer_id: int
    merchant_id: int
    bound_at: datetime
    expires_at: datetime
    new: bool
    """False: an earlier binding inside its window stood (first touch)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "referrer_id": self.referrer_id, "merchant_id": self.merchant_id,
            "bound_at": self.bound_at.isoformat(), "expires_at": self.expires_at.isoformat(),
            "new": self.new,
        }  # fmt: skip


def _binding(row: ReferralBinding, *, new: bool) -> Binding:
    return Binding(row.referrer_id, row.merchant_id, row.bound_at, row.expires_at, new)


async def record_click(
    session: AsyncSession, referral: Referral, *, visitor_id: int | None, now: datetime
) -> None:
    link_known = await session.get(ShareLink, referral.link_id) is not None
    room = referral.target_id if referral.kind is TargetKind.ROOM else None
    product = referral.target_id if referral.kind is TargetKind.PRODUCT else None
    session.add(
        ShareClick(
            link_id=referral.link_id if link_known else None, referrer_id=referral.referrer_id,
            merchant_id=referral.merchant_id, room_id=room, product_id=product,
            visitor_id=visitor_id, at=now,
        )
    )  # fmt: skip


async def bind(
    session: AsyncSession, referral: Referral, rules: Rules, *, buyer_id: int, now: datetime
) -> Binding:
    """Bind ``buyer_id`` to the referral's referrer unless a binding is still running."""
    key = (
        ReferralBinding.buyer_id == buyer_id,
        ReferralBinding.merchant_id == referral.merchant_id,
    )
    current = await session.scalar(select(ReferralBinding).where(*key))
    expires = now + timedelta(days=rules.window_days)
    link_id = referral.link_id if await session.get(ShareLink, referral.link_id) else None
    fresh = {"referrer_id": referral.referrer_id, "link_id": link_id, "bound_at": now,
             "expires_at": expires}  # fmt: skip
    if current is not None:
        if current.expires_at > now:
            return _binding(current, new=False)
        result = await session.execute(
            update(ReferralBinding)
            .where(ReferralBinding.id == current.id, ReferralBinding.expires_at <= now)
            .values(**fresh)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(current)
        return _binding(current, new=bool(getattr(result, "rowcount", 0)))
    row = ReferralBinding(buyer_id=buyer_id, merchant_id=referral.merchant_id, **fresh)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another arrival bound the buyer first: theirs stands
        won = await session.scalar(select(ReferralBinding).where(*key))
        assert won is not None
        return _binding(won, new=False)
    return _binding(row, new=True)


async def binding_at(
    session: AsyncSession, *, buyer_id: int, merchant_id: int, at: datetime
) -> ReferralBinding | None:
    """The binding that held ``buyer_id`` for ``merchant_id`` at ``at``, if any."""
    return await session.scalar(
        select(ReferralBinding).where(
            ReferralBinding.buyer_id == buyer_id, ReferralBinding.merchant_id == merchant_id,
            ReferralBinding.bound_at <= at, ReferralBinding.expires_at > at,
        )
    )  # fmt: skip
