"""The gift catalogue and the money ledger behind gifts (tips, 打赏), as typed models.

The ledger is double-entry: a ``ledger_transfer`` is a set of ``ledger_posting`` rows
that sum to zero, written in one transaction. Every balance is the sum of an account's
postings. A wallet also keeps its spendable balance on its ``wallet`` row, beside the
postings, so that a debit is one conditional UPDATE (never below zero); a test
recomputes it from the postings. Status strings of ``gift_send`` live in
``livecommerce.gifts.settlement``.
"""

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


class Gift(Base):
    """One gift of a shop's (merchant's) catalogue, sent from its rooms."""

    __tablename__ = "gift"
    __table_args__ = (CheckConstraint("price_cents > 0", name="price_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    image_url: Mapped[str] = mapped_column(String(500), default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerAccount(Base):
    """An account of the ledger, named by ``code`` (``wallet:7``, ``platform:fee``)."""

    __tablename__ = "ledger_account"
    __table_args__ = (UniqueConstraint("code", name="uq_ledger_account_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)


class Wallet(Base):
    """A viewer's spendable balance: the sum of its account's postings, kept here too so
    a send debits it with one conditional UPDATE and can never overdraw it."""

    __tablename__ = "wallet"
    __table_args__ = (CheckConstraint("balance_cents >= 0", name="balance_non_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerTransfer(Base):
    """One movement of money: its postings sum to zero. ``reference`` makes it once-only."""

    __tablename__ = "ledger_transfer"
    __table_args__ = (UniqueConstraint("reference", name="uq_ledger_transfer_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerPosting(Base):
    __tablename__ = "ledger_posting"
    __table_args__ = (CheckConstraint("amount_cents <> 0", name="amount_non_zero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    """Positive: money into the account; negative: out of it."""


class GiftSend(Base):
    """One send of a gift (some of one gift) to a room's host, billed by its transfer."""

    __tablename__ = "gift_send"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("fee_cents >= 0 AND fee_cents <= amount_cents", name="fee_bounded"),
        UniqueConstraint("sender_id", "idempotency_key", name="uq_gift_send_sender_key"),
        Index("ix_gift_send_sender_id_created_at", "sender_id", "created_at"),
        Index("ix_gift_send_status_settle_after", "status", "settle_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    host_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("gift.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    fee_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    settle_after: Mapped[datetime] = mapped_column(UTCDateTime())
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GiftMute(Base):
    """A host the platform stopped from receiving gifts until ``until``."""

    __tablename__ = "gift_mute"

    host_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
