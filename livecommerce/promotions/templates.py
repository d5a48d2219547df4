"""Coupon templates: what a coupon gives and to whom, made by merchants and, within the
cap their merchant sets (``coupon_policy``), by hosts for their own show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.promotions.views import TemplateView
from livecommerce.storage.models import CouponPolicy, CouponTemplate, Product, Room

MAX_CENTS, MAX_QUANTITY, MAX_LIMIT = 100_000_000, 1_000_000, 100
MAX_CLAIM_MINUTES, MAX_VALID_MINUTES = 24 * 60, 90 * 24 * 60
AUDIENCES = ("everyone", "first_time", "followers")


@dataclass(frozen=True, slots=True)
class TemplateTerms:
    """A template as asked for; checked by :func:`check_terms`."""

    title: str
    kind: str
    amount_off_cents: int = 0
    percent_off: int = 0
    max_discount_cents: int | None = None
    min_spend_cents: int = 0
    product_ids: list[int] = field(default_factory=list)
    audience: str = "everyone"
    total_quantity: int | None = None
    per_buyer_limit: int = 1
    claim_window: str = "live"
    claim_minutes: int | None = None
    claim_until: datetime | None = None
    valid_minutes: int = 24 * 60
    stacks_with_deals: bool = False

    @property
    def most_off_cents(self) -> int:
        """The most one coupon of these terms can take off an order."""
        return self.amount_off_cents if self.kind == "fixed" else self.max_discount_cents or 0


def _check_amounts(t: TemplateTerms) -> None:
    if t.kind == "fixed":
        if not 1 <= t.amount_off_cents <= MAX_CENTS:
            raise InvalidInput(f"amount_off_cents must be between 1 and {MAX_CENTS}")
    elif t.kind == "percent":
        if not 1 <= t.percent_off <= 99:
            raise InvalidInput("percent_off must be between 1 and 99")
        if t.max_discount_cents is None or not 1 <= t.max_discount_cents <= MAX_CENTS:
            raise InvalidInput("a percentage coupon needs max_discount_cents (its maximum)")
    else:
        raise InvalidInput("kind must be fixed or percent")
    if not 0 <= t.min_spend_cents <= MAX_CENTS:
        raise InvalidInput(f"min_spend_cents must be between 0 and {MAX_CENTS}")


def _check_window(t: TemplateTerms, now: datetime) -> None:
    if t.claim_window == "minutes":
        if t.claim_minutes is None or not 1 <= t.claim_minutes <= MAX_CLAIM_MINUTES:
            raise InvalidInput(f"claim_minutes must be between 1 and {MAX_CLAIM_MINUTES}")
    elif t.claim_window == "until":
        if t.claim_until is None or t.claim_until.tzinfo is None or t.claim_until <= now:
            raise InvalidInput("claim_until must be a future time with a time zone")
    elif t.claim_window != "live":
        raise InvalidInput("claim_window must be live, minutes or until")


def check_terms(t: TemplateTerms, now: datetime) -> None:
    """Raise ``InvalidInput`` naming the first rule ``t`` breaks."""
    if not 1 <= len(t.title.strip()) <= 120 or "\x00" in t.title:
        raise InvalidInput("title must be 1-120 characters")
    _check_amounts(t)
    if t.audience not in AUDIENCES:
        raise InvalidInput("audience must be everyone, first_time or followers")
    if t.total_quantity is not None and not 1 <= t.total_quantity <= MAX_QUANTITY:
        raise InvalidInput(f"total_quantity must be between 1 and {MAX_QUANTITY}, or null")
    if not 1 <= t.per_buyer_limit <= MAX_LIMIT:
        raise InvalidInput(f"per_buyer_limit must be between 1 and {MAX_LIMIT}")
    _check_window(t, now)
    if not 1 <= t.valid_minutes <= MAX_VALID_MINUTES:
        raise InvalidInput(f"valid_minutes must be between 1 and {MAX_VALID_MINUTES}")
    if len(set(t.product_ids)) != len(t.product_ids) or len(t.product_ids) > 200:
        raise InvalidInput("product_ids must be distinct, at most 200")


async def host_cap(session: AsyncSession, merchant_id: int) -> int:
    policy = await session.get(CouponPolicy, merchant_id)
    return 0 if policy is None else policy.host_cap_cents


async def set_host_cap(session: AsyncSession, *, caller: Principal, cap_cents: int) -> int:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants set what their hosts may give away")
    if not 0 <= cap_cents <= MAX_CENTS:
        raise InvalidInput(f"host_cap_cents must be between 0 and {MAX_CENTS}")
    policy = await session.get(CouponPolicy, caller.user_id)
    if policy is None:
        session.add(CouponPolicy(merchant_id=caller.user_id, host_cap_cents=cap_cents))
    else:
        policy.host_cap_cents = cap_cents
    return cap_cents


async def _owner(session: AsyncSession, caller: Principal, room_id: int | None) -> int:
    """The merchant a template of ``caller`` belongs to, checking the host's cap role."""
    room = None if room_id is None else await session.get(Room, room_id)
    if room_id is not None and room is None:
        raise NotFound(f"room {room_id} not found")
    if caller.role in ("merchant", "admin"):
        if room is not None and room.merchant_id != caller.user_id:
            raise PermissionDenied("the room belongs to another merchant")
        return caller.user_id
    if caller.role != "host" or room is None or room.host_id != caller.user_id:
        raise PermissionDenied("hosts make coupons only for a room they host (room_id)")
    return room.merchant_id


async def create_template(
    session: AsyncSession, *, caller: Principal, terms: TemplateTerms, room_id: int | None,
    now: datetime,
) -> TemplateView:  # fmt: skip
    check_terms(terms, now)
    merchant_id = await _owner(session, caller, room_id)
    if caller.role == "host":
        cap = await host_cap(session, merchant_id)
        if terms.stacks_with_deals:
            raise PermissionDenied("only the merchant lets a coupon stack with deals")
        if terms.most_off_cents > cap:
            raise PermissionDenied(f"the merchant lets hosts give at most {cap} cents off")
    for product_id in terms.product_ids:
        product = await session.get(Product, product_id)
        if product is None or product.merchant_id != merchant_id:
            raise InvalidInput(f"product {product_id} is not one of the merchant's products")
    row = CouponTemplate(
        merchant_id=merchant_id, created_by=caller.user_id, room_id=room_id,
        title=terms.title.strip(), kind=terms.kind, amount_off_cents=terms.amount_off_cents,
        percent_off=terms.percent_off, max_discount_cents=terms.max_discount_cents,
        min_spend_cents=terms.min_spend_cents,
        product_ids=",".join(str(p) for p in terms.product_ids), audience=terms.audience,
        total_quantity=terms.total_quantity, per_buyer_limit=terms.per_buyer_limit,
        claim_window=terms.claim_window, claim_minutes=terms.claim_minutes,
        claim_until=terms.claim_until, valid_minutes=terms.valid_minutes,
        stacks_with_deals=terms.stacks_with_deals, created_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return TemplateView.of(row)


async def list_templates(
    session: AsyncSession, *, caller: Principal, room_id: int | None = None
) -> list[TemplateView]:
    """The merchant's templates, or the ones a host may drop in their room."""
    query = select(CouponTemplate).order_by(CouponTemplate.id.desc()).limit(200)
    if caller.role in ("merchant", "admin"):
        query = query.where(CouponTemplate.merchant_id == caller.user_id)
        if room_id is not None:
            query = query.where(
                (CouponTemplate.room_id == room_id) | CouponTemplate.room_id.is_(None)
            )
    else:
        room = None if room_id is None else await session.get(Room, room_id)
        if room is None or room.host_id != caller.user_id:
            raise PermissionDenied("hosts see the templates of a room they host")
        query = query.where(
            CouponTemplate.merchant_id == room.merchant_id,
            (CouponTemplate.room_id == room_id) | CouponTemplate.room_id.is_(None),
        )
    return [TemplateView.of(t) for t in await session.scalars(query)]
