"""Bulk shipping from a CSV upload (``order_id,carrier,tracking_number``): the use case.

Policy: **all or none**. The whole file is checked first (its form, then every order
against the database: it exists, it is of the merchant's products, it may go to
``shipped``); one bad row and nothing is shipped, and the answer lists every bad row
with its line and a stable code. A clean file is applied in batches, each one
transaction claiming its orders with the same conditional update as
``fulfilment.ship`` (``WHERE status = 'paid'``), writing the same audit rows, in a few
statements instead of a few per order. Each buyer hears ``order.updated`` as from a
single shipment; the merchant hears one ``orders.shipped`` per batch and room instead
of an ``order.moved`` per order. An order
that moves between the check and its batch (the buyer's payment refunded meanwhile) is
not shipped and is reported in ``skipped``; every other order is.

Batches keep a live room on the same node responsive: each transaction is short (on
SQLite it holds the write lock chat also needs), and the loop yields between them.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update

from livecommerce.errors import BadShipmentFile, RowError
from livecommerce.orders.events import OrdersShipped
from livecommerce.orders.fulfilment import MAX_CARRIER, MAX_TRACKING
from livecommerce.orders.lifecycle import OrderStatus, can_transition
from livecommerce.orders.views import order_news
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import Order, OrderAudit, Product, utcnow

HEADER = ("order_id", "carrier", "tracking_number")
MAX_ROWS = 20_000
MAX_LISTED = 500
"""Bad rows named in one answer; the message says how many there were in all."""
BATCH = 250
PAUSE = 0.002
"""Seconds between batches, so the node's other work (a live room) gets the loop."""
REASON = "bulk shipping upload"


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    line: int
    order_id: int
    carrier: str
    tracking_number: str


@dataclass(frozen=True, slots=True)
class BulkShipped:
    shipped: int
    skipped: list[RowError]

    def as_dict(self) -> dict[str, Any]:
        return {"shipped": self.shipped, "skipped": [row.as_dict() for row in self.skipped]}


def _text(value: str, field: str, limit: int, line: int) -> str | RowError:
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        return RowError(
            line, f"invalid_{field}", f"{field} must be 1 to {limit} printable characters"
        )
    return value


def _row(line: int, cells: list[str], seen: set[int]) -> ShipmentRow | RowError:
    if len(cells) != len(HEADER):
        return RowError(line, "invalid_row", f"a row has {len(HEADER)} columns: {','.join(HEADER)}")
    raw = cells[0].strip().removeprefix("#")
    if not raw.isdigit() or not 0 < int(raw) <= 2**31 - 1:
        return RowError(line, "invalid_order_id", "order_id must be a positive whole number")
    carrier = _text(cells[1], "carrier", MAX_CARRIER, line)
    if isinstance(carrier, RowError):
        return carrier
    tracking = _text(cells[2], "tracking_number", MAX_TRACKING, line)
    if isinstance(tracking, RowError):
        return tracking
    if int(raw) in seen:
        return RowError(line, "duplicate_order", f"order {int(raw)} is listed twice")
    seen.add(int(raw))
    return ShipmentRow(line, int(raw), carrier, tracking)


def _lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused([RowError(1, "invalid_encoding", "the file must be UTF-8 text")]) from None
    reader = csv.reader(text.splitlines())
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def parse(data: bytes) -> tuple[list[ShipmentRow], list[RowError]]:
    """The file's rows and the rows refused for their form alone."""
    lines = _lines(data)
    first = next(lines, None)
    if first is None or tuple(c.strip().lower() for c in first[1]) != HEADER:
        raise _refused(
            [RowError(1, "invalid_header", f"the first line must be {','.join(HEADER)}")]
        )
    rows: list[ShipmentRow] = []
    bad: list[RowError] = []
    seen: set[int] = set()
    for line, cells in lines:
        found = _row(line, cells, seen)
        if isinstance(found, RowError):
            bad.append(found)
        else:
            rows.append(found)
        if len(rows) + len(bad) > MAX_ROWS:
            raise _refused([RowError(line, "too_many_rows", f"at most {MAX_ROWS} rows a file")])
    if not rows and not bad:
        raise _refused([RowError(1, "no_rows", "the file lists no orders")])
    return rows, bad


def _refused(bad: list[RowError]) -> BadShipmentFile:
    bad.sort(key=lambda row: row.line)
    message = f"{len(bad)} bad row(s); nothing was shipped"
    return BadShipmentFile(message, rows=bad[:MAX_LISTED])


def _chunks(rows: Sequence[ShipmentRow]) -> Iterator[Sequence[ShipmentRow]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def _check(db: Database, merchant_id: int, rows: Sequence[ShipmentRow]) -> list[RowError]:
    """The rows whose order is missing, another merchant's, or not ready to ship."""
    bad: list[RowError] = []
    for chunk in _chunks(rows):
        query = (
            select(Order.id, Order.status, Product.merchant_id)
            .join(Product, Product.id == Order.product_id)
            .where(Order.id.in_([row.order_id for row in chunk]))
        )
        async with db.read() as session:
            found = {oid: (status, owner) for oid, status, owner in await session.execute(query)}
        for row in chunk:
            status, owner = found.get(row.order_id, (None, None))
            if status is None:
                bad.append(RowError(row.line, "not_found", f"order {row.order_id} not found"))
            elif owner != merchant_id:
                message = f"order {row.order_id} is not an order of your products"
                bad.append(RowError(row.line, "not_your_order", message))
            elif not can_transition(OrderStatus(status), OrderStatus.SHIPPED):
                message = f"order {row.order_id} is {status}, it cannot be shipped"
                bad.append(RowError(row.line, "illegal_transition", message))
    return bad


async def _ship_batch(
    uow: UnitOfWork, merchant_id: int, rows: Sequence[ShipmentRow], now: datetime
) -> set[int]:
    """Claim ``paid -> shipped`` for the batch's orders; the ids this call moved."""
    by_id = {row.order_id: row for row in rows}
    mine = select(Product.id).where(Product.merchant_id == merchant_id)
    claimed = await uow.session.execute(
        update(Order)
        .where(Order.id.in_(by_id), Order.status == OrderStatus.PAID.value,
               Order.product_id.in_(mine))
        .values(
            status=OrderStatus.SHIPPED.value, shipped_at=now,
            carrier=case({i: r.carrier for i, r in by_id.items()}, value=Order.id),
            tracking_number=case({i: r.tracking_number for i, r in by_id.items()}, value=Order.id),
        )
        .returning(Order.id, Order.room_id, Order.buyer_id, Order.sale_id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    moved = list(claimed)
    if not moved:
        return set()
    audit = [
        {"order_id": oid, "actor": "merchant", "actor_user_id": merchant_id, "reason": REASON,
         "from_status": OrderStatus.PAID.value, "to_status": OrderStatus.SHIPPED.value, "at": now}
        for oid, *_ in moved
    ]  # fmt: skip
    await uow.session.execute(insert(OrderAudit), audit)
    by_room: dict[int, list[int]] = {}
    for oid, room_id, buyer_id, sale_id in moved:
        if room_id is None:
            continue
        uow.emit_to(room_id, buyer_id, order_news(oid, OrderStatus.SHIPPED.value, sale_id))
        by_room.setdefault(room_id, []).append(oid)
    for room_id, ids in by_room.items():
        summary = OrdersShipped(order_ids=ids, actor="merchant", reason=REASON)
        uow.emit_to(room_id, merchant_id, summary)
    return {oid for oid, *_ in moved}


async def ship_csv(
    db: Database, *, merchant_id: int, data: bytes, now: datetime | None = None
) -> BulkShipped:
    """Ship every order the file lists, or none if any row is bad (``BadShipmentFile``)."""
    rows, bad = parse(data)
    bad += await _check(db, merchant_id, rows)
    if bad:
        raise _refused(bad)
    at = now or utcnow()
    skipped: list[RowError] = []
    shipped = 0
    for chunk in _chunks(rows):
        async with db.unit_of_work() as uow:
            moved = await _ship_batch(uow, merchant_id, chunk, at)
        shipped += len(moved)
        skipped += [
            RowError(r.line, "illegal_transition", f"order {r.order_id} changed meanwhile")
            for r in chunk
            if r.order_id not in moved
        ]
        await asyncio.sleep(PAUSE)
    return BulkShipped(shipped, skipped)
