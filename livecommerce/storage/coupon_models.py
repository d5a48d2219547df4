"""Tables of coupons (promotions): policies, templates, drops and claims; imported by
``models`` so the metadata holds them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime, _one_of, utcnow

COUPON_KINDS = ("fixed", "percent")


COUPON_AUDIENCES = ("everyone", "first_time", "followers")


COUPON_WINDOWS = ("live", "minutes", "until")


CLAIM_STATUSES = ("available", "redeemed")


class CouponPolicy(Base):
    """A merchant's coupon settings: how much a host may give away on their own."""

    __tablename__ = "coupon_policy"
    __table_args__ = (CheckConstraint("host_cap_cents >= 0", name="cap_non_negative"),)

    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    host_cap_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    """The most one host-made coupon may take off an order; 0: hosts make none."""


class CouponTemplate(Base):
    """What a coupon gives and to whom; dropped into a room as a ``CouponDrop``."""

    __tablename__ = "coupon_template"
    __table_args__ = (
        CheckConstraint(_one_of("kind", COUPON_KINDS), name="kind"),
        CheckConstraint(_one_of("audience", COUPON_AUDIENCES), name="audience"),
        CheckConstraint(_one_of("claim_window", COUPON_WINDOWS), name="claim_window"),
        CheckConstraint("amount_off_cents >= 0", name="amount_non_negative"),
        CheckConstraint("percent_off >= 0 AND percent_off < 100", name="percent_range"),
        CheckConstraint("per_buyer_limit >= 1", name="limit_positive"),
        CheckConstraint("total_quantity IS NULL OR total_quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), nullable=True, index=True)
    """The show a host made it for; None: the merchant's, droppable in any of its shows."""
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    amount_off_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_off: Mapped[int] = mapped_column(Integer, default=0)
    max_discount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    min_spend_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    product_ids: Mapped[str] = mapped_column(Text, default="")
    """Comma-separated product ids it covers; empty: the whole shelf."""
    audience: Mapped[str] = mapped_column(String(16), default="everyone")
    total_quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Coupons per drop; None: unlimited."""
    per_buyer_limit: Mapped[int] = mapped_column(Integer, default=1)
    claim_window: Mapped[str] = mapped_column(String(8), default="live")
    claim_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claim_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    stacks_with_deals: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CouponDrop(Base):
    """A template dropped in a room: the batch viewers claim from."""

    __tablename__ = "coupon_drop"
    __table_args__ = (
        CheckConstraint("claimed >= 0", name="claimed_non_negative"),
        CheckConstraint("quantity IS NULL OR claimed <= quantity", name="not_overclaimed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    dropped_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    dropped_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """None: claimable while the show is live."""
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    per_buyer_limit: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    """Claims taken; always ``count(coupon_claim)`` of the drop (a test recomputes it)."""
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    """A batch given to chosen buyers (a lucky draw's winners, ``promotions.grants``):
    never open to the public claim gate, never a card in the room."""


class CouponClaim(Base):
    """One buyer's claimed coupon; the row is the authority, the gate only an accelerator."""

    __tablename__ = "coupon_claim"
    __table_args__ = (
        CheckConstraint(_one_of("status", CLAIM_STATUSES), name="status"),
        CheckConstraint("ordinal >= 1", name="ordinal_positive"),
        # The buyer's n-th claim of a drop: two racing claims cannot both be the n-th.
        UniqueConstraint("drop_id", "user_id", "ordinal", name="uq_coupon_claim_ordinal"),
        UniqueConstraint("drop_id", "user_id", "idempotency_key", name="uq_coupon_claim_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drop_id: Mapped[int] = mapped_column(ForeignKey("coupon_drop.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="available")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    order_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    """The order it is redeemed on (no foreign key: the order row points back here)."""
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
