"""Plain read models of coupon templates, drops and claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from livecommerce.promotions.events import CouponDropData
from livecommerce.promotions.gate import DropRef
from livecommerce.promotions.pricing import Coupon
from livecommerce.storage.models import CouponClaim, CouponDrop, CouponTemplate


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def product_list(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p]


@dataclass(frozen=True, slots=True)
class TemplateView:
    id: int
    merchant_id: int
    created_by: int
    room_id: int | None
    title: str
    kind: str
    amount_off_cents: int
    percent_off: int
    max_discount_cents: int | None
    min_spend_cents: int
    product_ids: tuple[int, ...]
    audience: str
    total_quantity: int | None
    per_buyer_limit: int
    claim_window: str
    claim_minutes: int | None
    claim_until: datetime | None
    valid_minutes: int
    stacks_with_deals: bool

    @classmethod
    def of(cls, t: CouponTemplate) -> TemplateView:
        return cls(
            t.id, t.merchant_id, t.created_by, t.room_id, t.title, t.kind, t.amount_off_cents,
            t.percent_off, t.max_discount_cents, t.min_spend_cents,
            tuple(product_list(t.product_ids)), t.audience, t.total_quantity, t.per_buyer_limit,
            t.claim_window, t.claim_minutes, t.claim_until, t.valid_minutes, t.stacks_with_deals,
        )  # fmt: skip

    def coupon(self) -> Coupon:
        return Coupon(
            kind=self.kind, amount_off_cents=self.amount_off_cents, percent_off=self.percent_off,
            max_discount_cents=self.max_discount_cents, min_spend_cents=self.min_spend_cents,
            product_ids=frozenset(self.product_ids), stacks_with_deals=self.stacks_with_deals,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "merchant_id": self.merchant_id, "created_by": self.created_by,
            "room_id": self.room_id, "title": self.title, "kind": self.kind,
            "amount_off_cents": self.amount_off_cents, "percent_off": self.percent_off,
            "max_discount_cents": self.max_discount_cents,
            "min_spend_cents": self.min_spend_cents, "product_ids": list(self.product_ids),
            "audience": self.audience, "total_quantity": self.total_quantity,
            "per_buyer_limit": self.per_buyer_limit, "claim_window": self.claim_window,
            "claim_minutes": self.claim_minutes, "claim_until": _iso(self.claim_until),
            "valid_minutes": self.valid_minutes, "stacks_with_deals": self.stacks_with_deals,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class DropView:
    id: int
    room_id: int
    template: TemplateView
    dropped_at: datetime
    claim_ends_at: datetime | None
    quantity: int | None
    per_buyer_limit: int
    claimed: int
    open: bool  # False once the window is over or the show ended

    @classmethod
    def of(cls, drop: CouponDrop, template: CouponTemplate, *, open: bool) -> DropView:
        return cls(
            drop.id, drop.room_id, TemplateView.of(template), drop.dropped_at,
            drop.claim_ends_at, drop.quantity, drop.per_buyer_limit, drop.claimed, open,
        )  # fmt: skip

    @property
    def ref(self) -> DropRef:
        return DropRef(self.room_id, self.id)

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else self.quantity - self.claimed

    def data(self) -> CouponDropData:
        t = self.template
        return CouponDropData(
            id=self.id, template_id=t.id, room_id=self.room_id, title=t.title, kind=t.kind,
            amount_off_cents=t.amount_off_cents, percent_off=t.percent_off,
            max_discount_cents=t.max_discount_cents, min_spend_cents=t.min_spend_cents,
            product_ids=list(t.product_ids), audience=t.audience, quantity=self.quantity,
            claimed=self.claimed, remaining=self.remaining,
            per_buyer_limit=self.per_buyer_limit, dropped_at=self.dropped_at.isoformat(),
            claim_ends_at=_iso(self.claim_ends_at), valid_minutes=t.valid_minutes,
            stacks_with_deals=t.stacks_with_deals, open=self.open,
        )  # fmt: skip

    def valid_until(self, claimed_at: datetime) -> datetime:
        return claimed_at + timedelta(minutes=self.template.valid_minutes)


@dataclass(frozen=True, slots=True)
class ClaimView:
    id: int
    drop_id: int
    user_id: int
    status: str
    claimed_at: datetime
    expires_at: datetime
    order_id: int | None
    template: TemplateView

    @classmethod
    def of(cls, claim: CouponClaim, template: CouponTemplate) -> ClaimView:
        return cls(
            claim.id, claim.drop_id, claim.user_id, claim.status, claim.claimed_at,
            claim.expires_at, claim.order_id, TemplateView.of(template),
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "drop_id": self.drop_id, "user_id": self.user_id,
            "status": self.status, "claimed_at": self.claimed_at.isoformat(),
            "expires_at": self.expires_at.isoformat(), "order_id": self.order_id,
            "template": self.template.as_dict(),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlacedClaim:
    """The answer to a claim: the coupon, and whether this call claimed it."""

    claim: ClaimView
    created: bool
