"""A merchant's promoter rules: who may share, how long a binding lasts, what it pays."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import InvalidInput, PromoterNotApproved
from livecommerce.referrals.lifecycle import MAX_LEVELS, MAX_RATE_BP, PromoterStatus
from livecommerce.storage.models import User
from livecommerce.storage.referral_models import ProductCommission, Promoter, ReferralSettings


@dataclass(frozen=True, slots=True)
class Rules:
    requires_approval: bool = False
    """False: any signed-in user may share; True: only promoters the merchant approved."""
    window_days: int = 7
    """How long a buyer stays bound to the referrer who brought them (first touch)."""
    rate_bp: int = 0
    """The shop's rate in basis points; 0 until the merchant sets one (nothing is owed)."""
    levels: int = 1
    second_rate_bp: int = 0
    group_buys: bool = False
    """Whether group-buy orders pay commission (the group-buy code tells which those are)."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def checked(self) -> Rules:
        if not 1 <= self.window_days <= 365:
            raise InvalidInput("the attribution window is 1 to 365 days")
        if not (0 <= self.rate_bp <= MAX_RATE_BP and 0 <= self.second_rate_bp <= MAX_RATE_BP):
            raise InvalidInput("a commission rate is 0 to 50%")
        if not 1 <= self.levels <= MAX_LEVELS:
            raise InvalidInput("commissions go one or two levels deep, never more")
        return self


async def rules_of(session: AsyncSession, merchant_id: int) -> Rules:
    row = await session.get(ReferralSettings, merchant_id)
    if row is None:
        return Rules()
    return Rules(
        row.requires_approval, row.window_days, row.rate_bp, row.levels, row.second_rate_bp,
        row.group_buys,
    )  # fmt: skip


async def rate_for(session: AsyncSession, rules: Rules, product_id: int) -> int:
    """The product's own rate if it has one, else the shop's."""
    own = await session.scalar(
        select(ProductCommission.rate_bp).where(ProductCommission.product_id == product_id)
    )
    return rules.rate_bp if own is None else own


async def is_approved(session: AsyncSession, merchant_id: int, user_id: int) -> bool:
    status = await session.scalar(
        select(Promoter.status).where(
            Promoter.merchant_id == merchant_id, Promoter.user_id == user_id
        )
    )
    return status == PromoterStatus.APPROVED


async def may_promote(session: AsyncSession, rules: Rules, merchant_id: int, user_id: int) -> bool:
    """Whether ``user_id`` earns from ``merchant_id``'s links now."""
    if user_id == merchant_id or not rules.requires_approval:
        return True
    return await is_approved(session, merchant_id, user_id)


async def require_promoter(
    session: AsyncSession, rules: Rules, merchant_id: int, user_id: int
) -> None:
    if not await may_promote(session, rules, merchant_id, user_id):
        raise PromoterNotApproved("this shop shares through approved promoters only; apply first")


async def require_merchant(session: AsyncSession, user_id: int) -> None:
    role = await session.scalar(select(User.role).where(User.id == user_id))
    if role not in ("merchant", "admin"):
        raise InvalidInput("that user is not a merchant")
