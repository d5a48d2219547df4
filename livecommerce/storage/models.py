# ruff: noqa: E402
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
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
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
# Order statuses live in ``livecommerce.orders.lifecycle`` only: storage imports no domain,
# so the ``order.status`` CHECK is written by the migrations (a test ties the two).
RETURN_EXCLUSIONS = ("made_to_order", "perishable", "digital")


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
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Set by an admin (``PUT /api/admin/users/{id}/minor``): a minor cannot send gifts
    or top up a wallet."""


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
    return_exclusion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """Why a buyer may not return it without a reason (one of ``RETURN_EXCLUSIONS``);
    None: returnable within the window."""


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
    recordable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False: the host asked that this show not be recorded (no replay)."""
    replay: Mapped[str] = mapped_column(String(16), default="published", server_default="published")
    """The replay's state (rooms/replay_state.py): published, unpublished or deleted."""


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
        CheckConstraint("refunded_quantity >= 0", name="refunded_non_negative"),
        CheckConstraint("refunded_quantity <= quantity", name="refund_within_quantity"),
        CheckConstraint("return_quantity >= 0", name="return_non_negative"),
        CheckConstraint("refunded_quantity + return_quantity <= quantity", name="return_bounded"),
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
    status: Mapped[str] = mapped_column(String(20))
    """One of ``livecommerce.orders.lifecycle.OrderStatus``."""
    idempotency_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(60), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(80), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    return_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Units of the return in flight (requested or being refunded); 0 when none."""
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Units whose money is back with the buyer (and whose stock is back on hand)."""
    coupon_claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupon_claim.id"), nullable=True
    )
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Taken off ``quantity * unit_price_cents`` by the coupon (promotions.pricing)."""
    awaiting_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A group-buy seat whose group has not filled yet: paid, but not to be shipped
    (``orders.fulfilment.ship`` refuses it) until the group completes."""


class OrderAudit(Base):
    """One row per order transition: who, when, from, to, why. Never deleted by the app
    (retention: README); ``actor_user_id`` is None for the clock and the provider."""

    __tablename__ = "order_audit"
    __table_args__ = (Index("ix_order_audit_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    actor: Mapped[str] = mapped_column(String(16))
    """buyer | merchant | system (a timer) | provider (a webhook)."""
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Refund(Base):
    """A refund to pay: a durable work item, claimed with a lease like the outbox.

    Written in the transaction that approves the return; a node claims it (``leased_until``),
    asks the provider with ``reference`` as the idempotency key (a retry after a crash
    asks again with the same key, so the buyer is paid once) and settles it. The
    ``status`` values live in ``livecommerce.orders.refunds``.
    """

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        UniqueConstraint("reference", name="uq_refund_reference"),
        Index("ix_refund_status_leased_until", "status", "leased_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(120))
    provider_reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    leased_until: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


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


# Group-buy statuses live in ``livecommerce.groups.lifecycle``; the CHECK is written by
# the migration (frozen there), as for orders.
class ShowEvent(Base):
    """Every sequenced event of a show, kept for its replay (the hub's room log keeps
    only the latest ones, for reconnects). Written in batches by the node that appended
    each event; (room, seq) is written once."""

    __tablename__ = "show_event"

    room_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    at: Mapped[str] = mapped_column(String(40))
    media_t: Mapped[float | None] = mapped_column(Float, nullable=True)
    envelope: Mapped[str] = mapped_column(Text)
    """The event as it went on the wire (JSON)."""


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


class Address(Base):
    """An entry of a buyer's address book; at most one per buyer is the default."""

    __tablename__ = "address"
    __table_args__ = (
        Index(
            "uq_address_one_default",
            "user_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrderAddress(Base):
    """Where an order ships: a copy taken when it was paid, so editing or deleting the
    address book entry later never moves a parcel already on its way."""

    __tablename__ = "order_address"

    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(200))


# Tables of the newer domains live in modules of their own, imported here (at the end:
# they build on Base above) so the metadata holds them; ``models.X`` keeps working.
from livecommerce.storage import follow_models as follow_models
from livecommerce.storage import referral_models as _referral_models  # noqa: F401
from livecommerce.storage.coupon_models import (
    CLAIM_STATUSES as CLAIM_STATUSES,
)
from livecommerce.storage.coupon_models import (
    COUPON_AUDIENCES as COUPON_AUDIENCES,
)
from livecommerce.storage.coupon_models import (
    COUPON_KINDS as COUPON_KINDS,
)
from livecommerce.storage.coupon_models import (
    COUPON_WINDOWS as COUPON_WINDOWS,
)
from livecommerce.storage.coupon_models import (
    CouponClaim as CouponClaim,
)
from livecommerce.storage.coupon_models import (
    CouponDrop as CouponDrop,
)
from livecommerce.storage.coupon_models import (
    CouponPolicy as CouponPolicy,
)
from livecommerce.storage.coupon_models import (
    CouponTemplate as CouponTemplate,
)
from livecommerce.storage.draw_models import (
    DRAW_CONDITIONS as DRAW_CONDITIONS,
)
from livecommerce.storage.draw_models import (
    DRAW_PRIZES as DRAW_PRIZES,
)
from livecommerce.storage.draw_models import (
    DRAW_STATUSES as DRAW_STATUSES,
)
from livecommerce.storage.draw_models import (
    WINNER_STATUSES as WINNER_STATUSES,
)
from livecommerce.storage.draw_models import (
    Draw as Draw,
)
from livecommerce.storage.draw_models import (
    DrawWinner as DrawWinner,
)
from livecommerce.storage.group_models import (
    GroupBuy as GroupBuy,
)
from livecommerce.storage.group_models import (
    GroupBuyer as GroupBuyer,
)
from livecommerce.storage.group_models import (
    GroupMember as GroupMember,
)
from livecommerce.storage.group_models import (
    GroupOffer as GroupOffer,
)
from livecommerce.storage.ledger_models import (
    LedgerEntry as LedgerEntry,
)
from livecommerce.storage.ledger_models import (
    LedgerFirst as LedgerFirst,
)
from livecommerce.storage.ledger_models import (
    LedgerMinute as LedgerMinute,
)
