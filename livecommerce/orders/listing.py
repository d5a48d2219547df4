"""The merchant's order list: filters, search, keyset pages, and the rows of the exports.

Pages go by order id, newest first: ``before`` is the last id of the previous page, so
a page costs the same however deep the merchant scrolls, and orders arriving meanwhile
never shift a page (as an offset would). ``total`` counts every match of the filter.
Phones are masked here (``mask_phone``): whatever leaves through the merchant's list or
export never carries the buyer's full number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.addresses import shipping_dict
from livecommerce.errors import InvalidInput
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.refunds import FAILED
from livecommerce.orders.views import OrderView
from livecommerce.storage.db import Database
from livecommerce.storage.models import Order, OrderAddress, Product, Refund, User

MAX_PAGE = 200
EXPORT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """What the merchant asked to see; ``None`` and ``""`` mean "any"."""

    merchant_id: int
    status: str | None = None
    room_id: int | None = None
    product_id: int | None = None
    since: datetime | None = None
    """Placed at or after."""
    until: datetime | None = None
    """Placed before."""
    q: str = ""
    """An order id (``123`` or ``#123``) or a buyer handle (a prefix of it)."""

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in set(OrderStatus):
            raise InvalidInput(f"status must be one of {', '.join(OrderStatus)}")
        if self.since and self.until and self.since >= self.until:
            raise InvalidInput("since must be before until")


@dataclass(frozen=True, slots=True)
class MerchantOrder:
    order: OrderView
    buyer: str
    product_title: str
    address: dict[str, str] | None
    refund_failed: bool = False
    """The provider kept refusing this order's refund: the merchant may retry it."""

    def as_dict(self) -> dict[str, Any]:
        return {**self.order.as_dict(), "buyer": self.buyer, "product_title": self.product_title,
                "address": self.address, "refund_failed": self.refund_failed}  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[MerchantOrder]
    total: int
    next_before: int | None
    """Pass as ``before`` for the next page; None: this was the last."""


def _search(q: str) -> ColumnElement[bool] | None:
    q = q.strip().lower().removeprefix("#")
    if not q:
        return None
    by_handle = User.handle.startswith(q, autoescape=True)
    if q.isdigit() and len(q) <= 10:
        return or_(Order.id == int(q), by_handle)
    return by_handle


def _conditions(f: OrderFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Product.merchant_id == f.merchant_id]
    if f.status is not None:
        found.append(Order.status == f.status)
    if f.room_id is not None:
        found.append(Order.room_id == f.room_id)
    if f.product_id is not None:
        found.append(Order.product_id == f.product_id)
    if f.since is not None:
        found.append(Order.created_at >= f.since)
    if f.until is not None:
        found.append(Order.created_at < f.until)
    searched = _search(f.q)
    if searched is not None:
        found.append(searched)
    return found


def _orders(
    f: OrderFilter, before: int | None, limit: int
) -> Select[Order, str, str, OrderAddress]:
    query = (
        select(Order, User.handle, Product.title, OrderAddress)
        .join(Product, Product.id == Order.product_id)
        .join(User, User.id == Order.buyer_id)
        .outerjoin(OrderAddress, OrderAddress.order_id == Order.id)
        .where(and_(*_conditions(f)))
    )
    if before is not None:
        query = query.where(Order.id < before)
    return query.order_by(Order.id.desc()).limit(limit)


def _row(order: Order, handle: str, title: str, ship: OrderAddress | None) -> MerchantOrder:
    address = shipping_dict(ship, masked=True) if ship is not None else None
    return MerchantOrder(OrderView.of(order), handle, title, address)


async def _batch(
    session: AsyncSession, f: OrderFilter, before: int | None, limit: int
) -> list[MerchantOrder]:
    rows = await session.execute(_orders(f, before, limit))
    return [_row(order, handle, title, ship) for order, handle, title, ship in rows]


async def order_page(
    session: AsyncSession, f: OrderFilter, *, before: int | None = None, limit: int = 50
) -> OrderPage:
    """One page of the merchant's orders matching ``f``, and how many match in all."""
    limit = max(1, min(limit, MAX_PAGE))
    found = await _batch(session, f, before, limit + 1)
    count = (
        select(func.count())
        .select_from(Order)
        .join(Product, Product.id == Order.product_id)
        .join(User, User.id == Order.buyer_id)
        .where(and_(*_conditions(f)))
    )
    total = await session.scalar(count) or 0
    more = len(found) > limit
    page = await _with_failed_refunds(session, found[:limit])
    return OrderPage(page, total, page[-1].order.id if more and page else None)


async def _with_failed_refunds(
    session: AsyncSession, page: list[MerchantOrder]
) -> list[MerchantOrder]:
    waiting = [row.order.id for row in page if row.order.status == OrderStatus.REFUNDING]
    if not waiting:
        return page
    failed = set(
        await session.scalars(
            select(Refund.order_id).where(Refund.order_id.in_(waiting), Refund.status == FAILED)
        )
    )
    return [replace(row, refund_failed=row.order.id in failed) for row in page]


async def export_orders(db: Database, f: OrderFilter) -> AsyncIterator[list[MerchantOrder]]:
    """Every match of ``f`` in batches, each read in its own short transaction, so an
    export of a big shop holds neither memory nor a database snapshot for its length."""
    before: int | None = None
    while True:
        async with db.read() as session:
            batch = await _batch(session, f, before, EXPORT_BATCH)
        if not batch:
            return
        yield batch
        if len(batch) < EXPORT_BATCH:
            return
        before = batch[-1].order.id


@dataclass(frozen=True, slots=True)
class RefundRow:
    refund: Refund
    order: Order
    buyer: str
    product_title: str


def _refunds(f: OrderFilter, before: int | None) -> Select[Refund, Order, str, str]:
    conditions: Sequence[ColumnElement[bool]] = _conditions(
        OrderFilter(f.merchant_id, room_id=f.room_id, product_id=f.product_id, q=f.q)
    )
    query = (
        select(Refund, Order, User.handle, Product.title)
        .join(Order, Order.id == Refund.order_id)
        .join(Product, Product.id == Order.product_id)
        .join(User, User.id == Order.buyer_id)
        .where(and_(*conditions))
    )
    if f.since is not None:
        query = query.where(Refund.created_at >= f.since)
    if f.until is not None:
        query = query.where(Refund.created_at < f.until)
    if before is not None:
        query = query.where(Refund.id < before)
    return query.order_by(Refund.id.desc()).limit(EXPORT_BATCH)


async def export_refunds(db: Database, f: OrderFilter) -> AsyncIterator[list[RefundRow]]:
    """The merchant's refunds (``since``/``until`` apply to when the refund was made)."""
    before: int | None = None
    while True:
        async with db.read() as session:
            found = await session.execute(_refunds(f, before))
            rows = [RefundRow(refund, order, buyer, title) for refund, order, buyer, title in found]
        if not rows:
            return
        yield rows
        if len(rows) < EXPORT_BATCH:
            return
        before = rows[-1].refund.id
