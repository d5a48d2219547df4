"""Tables of the show ledger (analytics): its rows, the per-minute rollup and the firsts
that decide distinct viewers and buyers; imported by ``models`` so the metadata holds them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecommerce.storage.models import Base, UTCDateTime


class LedgerEntry(Base):
    """One row of a show's ledger (analytics), appended and never updated.

    ``kind`` says what happened (``livecommerce.analytics.kinds``); ``count`` is 1 for
    one-off rows and the batch size for the client counters a node flushes per interval;
    ``value_ms`` is a session's watch time or a sampled viewer count; ``viewer`` names a
    watcher (``u:<id>`` or a hashed anonymous address) where a metric needs distinct ones.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        # Distinct viewers (and buyers) per show, per minute and per product.
        Index("ix_ledger_entry_room_id_kind_viewer", "room_id", "kind", "viewer"),
        Index("ix_ledger_entry_room_id_kind_minute", "room_id", "kind", "minute", "viewer"),
        Index("ix_ledger_entry_room_id_kind_product", "room_id", "kind", "product_id", "viewer"),
        Index("ix_ledger_entry_order_id", "order_id"),
        # The orders after each host action (the report): a range of show time each,
        # answered from the index alone.
        Index(
            "ix_ledger_entry_room_id_kind_elapsed", "room_id", "kind", "elapsed_ms", "amount_cents"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    elapsed_ms: Mapped[int] = mapped_column(BigInteger)
    """Since the show's start (negative before it); 0 for a show not started yet."""
    minute: Mapped[int] = mapped_column(Integer)
    """``elapsed_ms // 60000``: the per-minute series groups on it."""
    product_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sale_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    viewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    value_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    """The room event's data as JSON, for timeline rows."""


class LedgerMinute(Base):
    """The ledger rows summed per show minute and product (0: none), added to in the same
    transaction as the rows (``storage.ledger_rollup``): the fast path of the stats,
    checked against the rows by a test."""

    __tablename__ = "ledger_minute"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    sheet_opens: Mapped[int] = mapped_column(BigInteger, default=0)
    joins: Mapped[int] = mapped_column(BigInteger, default=0)
    leaves: Mapped[int] = mapped_column(BigInteger, default=0)
    watch_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    effective_views: Mapped[int] = mapped_column(BigInteger, default=0)
    peak_viewers: Mapped[int] = mapped_column(BigInteger, default=0)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    gmv_gross_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    gmv_paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    new_viewers: Mapped[int] = mapped_column(BigInteger, default=0)
    """Viewers whose first join of the show is in this minute (``ledger_first``)."""
    new_buyers: Mapped[int] = mapped_column(BigInteger, default=0)
    """Buyers whose first order of the show is in this minute and of this product."""
    product_buyers: Mapped[int] = mapped_column(BigInteger, default=0)
    """Buyers whose first order of this product in the show is in this minute."""


class LedgerFirst(Base):
    """The first row of a kind (a join, an order) by one viewer in a show: its primary
    key decides, across nodes and concurrent orders, which row is the first, so the
    rollup counts distinct viewers and buyers without a distinct over all rows."""

    __tablename__ = "ledger_first"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    viewer: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer)
