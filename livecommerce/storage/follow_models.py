"""Tables of follows and reminders: who follows whom, who asked to be reminded of which
show, each show's reminder rounds, the in-app notifications, and the merchants'
outbound webhooks with their durable deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime, _one_of, utcnow

ROUND_KINDS = ("soon", "start")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Follow(Base):
    """A viewer follows a host or a shop (a merchant); both are users."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id", name="uq_follow_pair"),
        CheckConstraint("follower_id <> followee_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reminder(Base):
    """A viewer tapped 预约 on an upcoming show."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("room_id", "user_id", name="uq_reminder_pair"),
        # Rounds read a show's subscribers in id order, a chunk at a time.
        Index("ix_reminder_room_id_id", "room_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderRound(Base):
    """One notifying of a show's subscribers ("soon": N minutes before; "start").

    Made with the show's first reminder. A node takes the round with a conditional
    update of ``leased_until``, then notifies the subscribers in chunks of reminder ids
    after ``cursor``; each chunk moves the cursor conditionally (``WHERE cursor = old``)
    in the chunk's own transaction, so no subscriber is notified twice, and a node that
    dies mid-round leaves the rest to whoever takes the lease next.
    """

    __tablename__ = "reminder_round"
    __table_args__ = (CheckConstraint(_one_of("kind", ROUND_KINDS), name="kind"),)

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Notification(Base):
    """One in-app notification of one user."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ROUND_KINDS), name="kind"),
        Index("ix_notification_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookEndpoint(Base):
    """Where a merchant wants its show reminders posted (an SMS, email or chat bridge)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One body to post to one endpoint, retried until it is answered 2xx or gives up.
    ``id`` is the delivery id the receiver sees on every attempt (its idempotency key)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
