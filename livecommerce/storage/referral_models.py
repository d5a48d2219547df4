"""Tables of share links and referral commissions (分销); imported by ``models`` so the
metadata holds them. Status strings live in ``livecommerce.referrals.lifecycle``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime, utcnow


class ReferralSettings(Base):
    """A merchant's rules for promoters; no row means the defaults of ``referrals.rules``."""

    __tablename__ = "referral_settings"
    __table_args__ = (
        CheckConstraint("levels IN (1, 2)", name="levels"),
        CheckConstraint("rate_bp BETWEEN 0 AND 5000", name="rate_bp"),
        CheckConstraint("second_rate_bp BETWEEN 0 AND 5000", name="second_rate_bp"),
        CheckConstraint("window_days BETWEEN 1 AND 365", name="window_days"),
    )

    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    window_days: Mapped[int] = mapped_column(Integer, default=7)
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    """The shop's commission rate in basis points (100 = 1%) of what the buyer paid."""
    levels: Mapped[int] = mapped_column(Integer, default=1)
    second_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    group_buys: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether group-buy orders earn commission too."""


class ProductCommission(Base):
    """A product's own commission rate, over the shop's."""

    __tablename__ = "product_commission"
    __table_args__ = (CheckConstraint("rate_bp BETWEEN 0 AND 5000", name="rate_bp"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer)


class Promoter(Base):
    """A user's standing as one merchant's promoter: applied, approved or rejected."""

    __tablename__ = "promoter"

    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShareLink(Base):
    """A link a promoter took to a room or a product; its code is signed, not secret."""

    __tablename__ = "share_link"
    __table_args__ = (
        UniqueConstraint("promoter_id", "target_kind", "target_id", name="uq_share_link_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    promoter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShareClick(Base):
    """One visit through a share link: the traffic-source rows the dashboard reads."""

    __tablename__ = "share_click"
    __table_args__ = (
        Index("ix_share_click_merchant_id_at", "merchant_id", "at"),
        Index("ix_share_click_link_id", "link_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_link.id"), nullable=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), nullable=True)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReferralBinding(Base):
    """A buyer bound to the referrer who brought them to a merchant, until ``expires_at``
    (first touch: a later link takes over only once this one has expired)."""

    __tablename__ = "referral_binding"
    __table_args__ = (
        UniqueConstraint("buyer_id", "merchant_id", name="uq_referral_binding_buyer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    referrer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_link.id"), nullable=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Commission(Base):
    """What one order owes one promoter (level 1: the buyer's referrer; level 2: theirs).
    Its money is the sum of its ``commission_entry`` rows; ``status`` says where it is."""

    __tablename__ = "commission"
    __table_args__ = (
        UniqueConstraint("order_id", "level", name="uq_commission_order_level"),
        CheckConstraint("level IN (1, 2)", name="level"),
        CheckConstraint("amount_cents >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    promoter_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    rate_bp: Mapped[int] = mapped_column(Integer)
    base_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CommissionEntry(Base):
    """One posting of a commission's money between its two balances: accrued (pending
    +), released (pending - / payable +), cancelled (pending -), adjusted (payable -).
    ``key`` makes each posting happen once however often its trigger repeats."""

    __tablename__ = "commission_entry"
    __table_args__ = (
        UniqueConstraint("key", name="uq_commission_entry_key"),
        Index("ix_commission_entry_commission_id", "commission_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commission.id"))
    promoter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(16))
    pending_cents: Mapped[int] = mapped_column(BigInteger)
    payable_cents: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
