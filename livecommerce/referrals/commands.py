"""Use cases of share links and promoters: each opens one unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import InvalidInput, NotFound, PermissionDenied, SelfReferral
from livecommerce.referrals import attribution
from livecommerce.referrals import rules as shop_rules
from livecommerce.referrals.codes import LIFETIME, Referral, ReferralSigner
from livecommerce.referrals.lifecycle import MAX_RATE_BP, PromoterStatus, TargetKind
from livecommerce.storage.db import Database
from livecommerce.storage.models import Product, Room
from livecommerce.storage.referral_models import (
    ProductCommission,
    Promoter,
    ReferralSettings,
    ShareLink,
)


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    kind: str
    target_id: int
    code: str

    @property
    def path(self) -> str:
        base = "/rooms/" if self.kind == TargetKind.ROOM else "/p/"
        return f"{base}{self.target_id}?ref={self.code}"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "target_id": self.target_id,
                "code": self.code, "path": self.path}  # fmt: skip


async def target_merchant(session: AsyncSession, kind: TargetKind, target_id: int) -> int:
    """The merchant whose room or product it is (404 for none, or a deleted product)."""
    if kind is TargetKind.ROOM:
        merchant = await session.scalar(select(Room.merchant_id).where(Room.id == target_id))
    else:
        merchant = await session.scalar(
            select(Product.merchant_id).where(Product.id == target_id, Product.deleted.is_(False))
        )
    if merchant is None:
        raise NotFound(f"{kind.value} {target_id} not found")
    return int(merchant)


async def share_link(
    db: Database, signer: ReferralSigner, *, user_id: int, kind: TargetKind, target_id: int,
    now: datetime,
) -> LinkView:  # fmt: skip
    """The caller's link to a room or product: the one they took before (re-signed when
    half its life is gone), else a new one."""
    async with db.unit_of_work() as uow:
        session = uow.session
        merchant = await target_merchant(session, kind, target_id)
        rules = await shop_rules.rules_of(session, merchant)
        await shop_rules.require_promoter(session, rules, merchant, user_id)
        link = await session.scalar(
            select(ShareLink).where(ShareLink.promoter_id == user_id,
                                    ShareLink.target_kind == kind.value,
                                    ShareLink.target_id == target_id)
        )  # fmt: skip
        if link is None:
            link = ShareLink(promoter_id=user_id, merchant_id=merchant, target_kind=kind.value,
                             target_id=target_id, code="", created_at=now)  # fmt: skip
            session.add(link)
            await session.flush()
        if not link.code or signer.read(link.code, now=now).issued_at + LIFETIME / 2 <= now:
            link.code = signer.issue(Referral(user_id, merchant, kind, target_id, link.id, now))
        return LinkView(link.id, kind.value, target_id, link.code)


async def arrive(
    db: Database, signer: ReferralSigner, *, code: str, visitor_id: int | None, now: datetime,
    click: bool = True,
) -> tuple[Referral, attribution.Binding | None]:  # fmt: skip
    """A visit through a link: a click row and, for a signed-in visitor, the binding.
    A bad code or the referrer's own visit raises before anything is written."""
    referral = signer.read(code, now=now)
    if visitor_id == referral.referrer_id:
        raise SelfReferral("a promoter's own visit binds nobody")
    async with db.unit_of_work() as uow:
        if click:
            await attribution.record_click(uow.session, referral, visitor_id=visitor_id, now=now)
        if visitor_id is None:
            return referral, None
        rules = await shop_rules.rules_of(uow.session, referral.merchant_id)
        binding = await attribution.bind(uow.session, referral, rules, buyer_id=visitor_id, now=now)
        return referral, binding


async def apply(db: Database, *, user_id: int, merchant_id: int, now: datetime) -> str:
    """Ask to promote a shop; an earlier application or decision stands."""
    async with db.unit_of_work() as uow:
        await shop_rules.require_merchant(uow.session, merchant_id)
        row = await uow.session.get(Promoter, (merchant_id, user_id))
        if row is None:
            row = Promoter(merchant_id=merchant_id, user_id=user_id,
                           status=PromoterStatus.APPLIED.value, created_at=now)  # fmt: skip
            uow.session.add(row)
        return row.status


async def decide(
    db: Database, *, merchant_id: int, user_id: int, approve: bool, now: datetime
) -> str:
    """Approve or reject a promoter (one who never applied may be approved directly)."""
    status = PromoterStatus.APPROVED if approve else PromoterStatus.REJECTED
    async with db.unit_of_work() as uow:
        if user_id == merchant_id:
            raise InvalidInput("a shop promotes itself without approval")
        row = await uow.session.get(Promoter, (merchant_id, user_id))
        if row is None:
            row = Promoter(merchant_id=merchant_id, user_id=user_id, created_at=now)
            uow.session.add(row)
        row.status, row.decided_at = status.value, now
        return status.value


async def update_rules(db: Database, *, merchant_id: int, rules: shop_rules.Rules) -> None:
    rules.checked()
    async with db.unit_of_work() as uow:
        row = await uow.session.get(ReferralSettings, merchant_id)
        if row is None:
            row = ReferralSettings(merchant_id=merchant_id)
            uow.session.add(row)
        for name, value in rules.as_dict().items():
            setattr(row, name, value)


async def set_product_rate(
    db: Database, *, merchant_id: int, product_id: int, rate_bp: int | None
) -> None:
    """Give a product its own rate, or (None) let it follow the shop's."""
    if rate_bp is not None and not 0 <= rate_bp <= MAX_RATE_BP:
        raise InvalidInput("a commission rate is 0 to 50%")
    async with db.unit_of_work() as uow:
        owner = await target_merchant(uow.session, TargetKind.PRODUCT, product_id)
        if owner != merchant_id:
            raise PermissionDenied("that product is another shop's")
        await uow.session.execute(
            delete(ProductCommission).where(ProductCommission.product_id == product_id)
        )
        if rate_bp is not None:
            uow.session.add(ProductCommission(product_id=product_id, rate_bp=rate_bp))
