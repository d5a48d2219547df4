"""Tables of group buys (拼团): offers, groups, seats and buyers; imported by ``models``
so the metadata holds them."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime, utcnow


class GroupOffer(Base):
    """A merchant's group price on a shelf product of a room: N buyers within a time
    limit buy at ``price_cents``; ``sold`` counts units held by seats of open or
    completed groups, bounded by the offer's own ``stock``."""

    __tablename__ = "group_offer"
    __table_args__ = (
        CheckConstraint("size >= 2 AND size <= 100", name="size_range"),
        CheckConstraint("sold >= 0", name="sold_non_negative"),
        CheckConstraint("sold <= stock", name="not_oversold"),
        CheckConstraint("per_user_limit >= 1", name="limit_positive"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("duration_seconds > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupBuy(Base):
    """One group (拼团) of an offer: ``seats_taken`` seats of ``size``, reserved at order
    time; it completes when every seat is paid, fails at ``expires_at`` otherwise."""

    __tablename__ = "group_buy"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0", name="seats_non_negative"),
        CheckConstraint("seats_taken <= size", name="not_overfull"),
        CheckConstraint("seats_paid >= 0 AND seats_paid <= seats_taken", name="paid_bounded"),
        Index("ix_group_buy_status_expires_at", "status", "expires_at"),
        Index("ix_group_buy_room_id_status", "room_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("group_offer.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    seats_paid: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GroupMember(Base):
    """A seat: one buyer's order in one group. ``active`` goes false when the seat is
    given back (the order expired or was cancelled unpaid, or the member left); at most
    one active seat per buyer per group."""

    __tablename__ = "group_member"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_group_member_order_id"),
        Index(
            "uq_group_member_one_seat",
            "group_id",
            "buyer_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_buy.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("group_offer.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupBuyer(Base):
    """Units one buyer holds across an offer's groups, bounded by its per-buyer limit."""

    __tablename__ = "group_buyer"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    offer_id: Mapped[int] = mapped_column(ForeignKey("group_offer.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
