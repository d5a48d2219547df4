"""CSV exports of the merchant's orders and refunds, produced batch by batch.

Each batch of ``listing`` becomes one chunk of text, so the route streams it as it is
read: a shop with a million orders exports in constant memory. The file starts with a
byte-order mark, which spreadsheet programs need to read Chinese text as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime

from livecommerce.orders.listing import (
    MerchantOrder,
    OrderFilter,
    RefundRow,
    export_orders,
    export_refunds,
)
from livecommerce.storage.db import Database

ORDER_COLUMNS = (
    "order_id", "created_at", "status", "buyer", "product_id", "product_title", "room_id",
    "sale_id", "quantity", "unit_price_cents", "total_cents", "paid_at", "shipped_at",
    "carrier", "tracking_number", "ship_name", "ship_phone", "ship_region", "ship_detail",
    "refunded_quantity",
)  # fmt: skip
REFUND_COLUMNS = (
    "refund_id", "order_id", "buyer", "product_title", "quantity", "amount_cents", "status",
    "provider", "reference", "created_at", "settled_at",
)  # fmt: skip
Cell = str | int | datetime | None


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # A cell a spreadsheet would run as a formula ("=HYPERLINK(...)" in an address)
    # is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _chunk(rows: Iterable[Iterable[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _order_cells(row: MerchantOrder) -> tuple[Cell, ...]:
    o, ship = row.order, row.address or {}
    return (
        o.id, o.created_at, o.status, row.buyer, o.product_id, row.product_title, o.room_id,
        o.sale_id, o.quantity, o.unit_price_cents, o.total_cents, o.paid_at, o.shipped_at,
        o.carrier, o.tracking_number, ship.get("name"), ship.get("phone"), ship.get("region"),
        ship.get("detail"), o.refunded_quantity,
    )  # fmt: skip


def _refund_cells(row: RefundRow) -> tuple[Cell, ...]:
    r = row.refund
    return (
        r.id, r.order_id, row.buyer, row.product_title, r.quantity, r.amount_cents, r.status,
        r.provider, r.reference, r.created_at, r.settled_at,
    )  # fmt: skip


async def orders_csv(db: Database, f: OrderFilter) -> AsyncIterator[str]:
    yield "\ufeff" + _chunk([ORDER_COLUMNS])
    async for batch in export_orders(db, f):
        yield _chunk(_order_cells(row) for row in batch)


async def refunds_csv(db: Database, f: OrderFilter) -> AsyncIterator[str]:
    yield "\ufeff" + _chunk([REFUND_COLUMNS])
    async for batch in export_refunds(db, f):
        yield _chunk(_refund_cells(row) for row in batch)
