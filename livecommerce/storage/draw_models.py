"""Tables of lucky draws (福袋) and their picks; imported by ``models`` so the metadata
holds them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime, _one_of, utcnow

DRAW_STATUSES = ("open", "closed")
DRAW_CONDITIONS = ("keyword", "watch", "follow", "purchase")
DRAW_PRIZES = ("product", "coupon")
WINNER_STATUSES = ("won", "claimed", "forfeited")


class Draw(Base):
    """A lucky draw (福袋) in a room. ``seed_hex`` stays private until the close; its
    sha256, ``commit``, is public from the start (see ``livecommerce.draws.fairness``)."""

    __tablename__ = "draw"
    __table_args__ = (
        CheckConstraint(_one_of("status", DRAW_STATUSES), name="status"),
        CheckConstraint(_one_of("condition", DRAW_CONDITIONS), name="condition"),
        CheckConstraint(_one_of("prize_kind", DRAW_PRIZES), name="prize_kind"),
        CheckConstraint("winners_wanted >= 1", name="winners_positive"),
        # One open draw per room, whichever node tries to start a second.
        Index(
            "uq_draw_open_room",
            "room_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    prize_kind: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), nullable=True)
    coupon_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupon_template.id"), nullable=True
    )
    coupon_drop_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_drop.id"), nullable=True)
    """A coupon prize's private batch, made at the start: the winners' coupons come from it."""
    prize_title: Mapped[str] = mapped_column(String(200))
    prize_value_cents: Mapped[int] = mapped_column(BigInteger)
    winners_wanted: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(16))
    keyword: Mapped[str] = mapped_column(String(40), default="")
    watch_seconds: Mapped[int] = mapped_column(Integer, default=0)
    exclude_recent_days: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    seed_hex: Mapped[str] = mapped_column(String(64))
    commit: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    entrants: Mapped[str] = mapped_column(Text, default="")
    """The canonical entrant list (ascending ids joined by newlines), set at the close."""
    entrants_hash: Mapped[str] = mapped_column(String(64), default="")
    entrant_count: Mapped[int] = mapped_column(Integer, default=0)


class DrawWinner(Base):
    """One pick of a draw, in ranking order (``position``); a forfeited pick stays."""

    __tablename__ = "draw_winner"
    __table_args__ = (
        CheckConstraint(_one_of("status", WINNER_STATUSES), name="status"),
        UniqueConstraint("draw_id", "user_id", name="uq_draw_winner_user"),
        UniqueConstraint("draw_id", "position", name="uq_draw_winner_position"),
        Index("ix_draw_winner_status_claim_by", "status", "claim_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ticket: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="won")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), nullable=True)
    won_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim_by: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    coupon_claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupon_claim.id"), nullable=True
    )
    """A coupon prize: the winner's coupon (the pick is claimed when it is granted)."""
