"""The schema as typed SQLAlchemy 2 models; Alembic owns the DDL (see migrations/).

Money is integer cents; times are timezone-aware UTC (``UTCDateTime`` stores naive UTC
because SQLite has no time zones). A naming convention on the metadata keeps constraint
names identical on SQLite and PostgreSQL, so migrations can name them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the column (portable)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


ROLES = ("merchant", "host", "viewer", "admin")
ROOM_STATUSES = ("scheduled", "live", "ended")
SALE_STATUSES = ("scheduled", "live", "sold_out", "ended", "cancelled")
ORDER_STATUSES = ("pending_payment", "paid", "cancelled", "expired", "refunded")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    __tablename__ = "user"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised by "log out everywhere": tokens issued at a lower generation are refused."""


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("stock_on_hand >= 0", name="stock_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    stock_on_hand: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (CheckConstraint(_one_of("status", ROOM_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    cover_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pinned_product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), nullable=True)
    media_node: Mapped[str | None] = mapped_column(String(300), nullable=True)
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0)
    blocked_words: Mapped[str] = mapped_column(Text, default="")
    """Newline-separated words; a message containing one is refused."""


class RoomProduct(Base):
    """The room's shelf (小黄车): which products, in which order."""

    __tablename__ = "room_product"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class RoomModerator(Base):
    __tablename__ = "room_moderator"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)


class RoomBan(Base):
    __tablename__ = "room_ban"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """None: banned for the rest of the show."""
    kind: Mapped[str] = mapped_column(String(8), default="ban")
    """``ban`` (cannot watch or chat) or ``mute`` (can watch, cannot chat)."""


class FlashSale(Base):
    __tablename__ = "flash_sale"
    __table_args__ = (
        CheckConstraint("sold <= quantity", name="not_oversold"),
        CheckConstraint("sold >= 0", name="sold_non_negative"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("per_user_limit >= 1", name="limit_positive"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint(_one_of("status", SALE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)


class PurchaseCounter(Base):
    __tablename__ = "purchase_counter"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("flash_sale.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class Order(Base):
    __tablename__ = "order"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(_one_of("status", ORDER_STATUSES), name="status"),
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_order_buyer_key"),
        Index("ix_order_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), nullable=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("flash_sale.id"), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending_payment")
    idempotency_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_payment_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChatMessage(Base):
    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_room_id_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class EventOutbox(Base):
    """A committed commerce event not yet known to be on the hub (DESIGN section 5).

    Written in the transaction that emits the event, leased to the node that wrote it
    until ``leased_until``; deleted once published. A row whose lease ran out (its node
    died between commit and publish) is claimed and published by any live node.
    """

    __tablename__ = "event_outbox"
    __table_args__ = (Index("ix_event_outbox_leased_until", "leased_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(80))
    delivery: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text)
    audience: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    leased_until: Mapped[datetime] = mapped_column(UTCDateTime())


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
    claim_address: Mapped[str] = mapped_column(Text, default="")
