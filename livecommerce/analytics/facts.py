"""Reading a show's ledger: the rollup, the order rows summed, and the distinct counts.

Everything a stats answer needs, in a handful of indexed queries whose cost grows with
the show's minutes x products (the rollup) and its orders, not with its viewer counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import Totals
from livecommerce.analytics.rollup import COUNTERS
from livecommerce.storage.models import LedgerEntry, LedgerMinute

E = LedgerEntry
_ORDER_FIELDS = {
    kinds.PLACED: ("orders", "gmv_gross_cents"),
    kinds.PAID: ("paid_orders", "gmv_paid_cents"),
    kinds.CANCELLED: ("cancelled_orders", None),
    kinds.EXPIRED: ("expired_orders", None),
    kinds.REFUNDED: (None, "refunded_cents"),
}


@dataclass(frozen=True, slots=True)
class Cell:
    """Base counts of one (minute, product) of a show, without the distinct ones."""

    minute: int
    product_id: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Facts:
    cells: list[Cell]


async def facts(session: AsyncSession, room_id: int) -> Facts:
    """The show's additive base counts per minute and product."""
    cells: dict[tuple[int, int], Cell] = {}
    rollup = select(LedgerMinute).where(LedgerMinute.room_id == room_id)
    for row in (await session.scalars(rollup)).all():
        counts = {name: getattr(row, name) for name in COUNTERS}
        cell = _cell(cells, row.minute, row.product_id)
        for name, value in counts.items():
            cell.counts[name] = cell.counts.get(name, 0) + value
    orders = (
        select(E.minute, E.product_id, E.kind, func.count(), func.sum(E.amount_cents))
        .where(E.room_id == room_id, E.kind.in_(kinds.ORDER_KINDS))
        .group_by(E.minute, E.product_id, E.kind)
    )
    for minute, product_id, kind, n, amount in await session.execute(orders):
        number, money = _ORDER_FIELDS[kind]
        cell = _cell(cells, minute, product_id or 0)
        if number:
            cell.counts[number] = cell.counts.get(number, 0) + n
        if money:
            cell.counts[money] = cell.counts.get(money, 0) + int(amount or 0)
    return Facts(sorted(cells.values(), key=lambda c: (c.minute, c.product_id)))


def _cell(cells: dict[tuple[int, int], Cell], minute: int, product_id: int) -> Cell:
    cell = cells.get((minute, product_id))
    if cell is None:
        cell = cells[minute, product_id] = Cell(minute, product_id)
    return cell


Distinct = tuple[str, Any]
UNIQUE_VIEWERS: Distinct = (kinds.JOINED, E.viewer)
BUYERS: Distinct = (kinds.PLACED, E.viewer)
REFUNDED_ORDERS: Distinct = (kinds.REFUNDED, E.order_id)


async def distinct(
    session: AsyncSession,
    room_id: int,
    what: Distinct,
    *,
    by: Any = None,
    minutes: tuple[int, int] | None = None,
) -> dict[int, int]:
    """``count(distinct ...)`` of one kind's rows, grouped ``by`` a column (key 0 when
    not grouped), within ``minutes`` (inclusive) if given."""
    kind, column = what
    counted = func.count(func.distinct(column))
    query = select(counted) if by is None else select(by, counted).group_by(by)
    query = query.where(E.room_id == room_id, E.kind == kind)
    if minutes is not None:
        query = query.where(E.minute.between(*minutes))
    if by is None:
        return {0: int(await session.scalar(query) or 0)}
    return {int(key or 0): n for key, n in (await session.execute(query))}


def totals(
    cells: Iterable[Cell],
    *,
    unique_viewers: int = 0,
    buyers: int = 0,
    refunded_orders: int = 0,
) -> Totals:
    """Add up cells into base counts (peaks: the largest), with the distinct counts."""
    summed: dict[str, int] = {}
    peak = 0
    for cell in cells:
        for name, value in cell.counts.items():
            if name == "peak_viewers":
                peak = max(peak, value)
            else:
                summed[name] = summed.get(name, 0) + value
    return Totals(
        views=summed.get("joins", 0),
        unique_viewers=unique_viewers,
        peak_viewers=peak,
        finished_sessions=summed.get("leaves", 0),
        watch_ms=summed.get("watch_ms", 0),
        effective_views=summed.get("effective_views", 0),
        impressions=summed.get("impressions", 0),
        clicks=summed.get("clicks", 0),
        sheet_opens=summed.get("sheet_opens", 0),
        orders=summed.get("orders", 0),
        paid_orders=summed.get("paid_orders", 0),
        cancelled_orders=summed.get("cancelled_orders", 0),
        expired_orders=summed.get("expired_orders", 0),
        refunded_orders=refunded_orders,
        buyers=buyers,
        gmv_gross_cents=summed.get("gmv_gross_cents", 0),
        gmv_paid_cents=summed.get("gmv_paid_cents", 0),
        refunded_cents=summed.get("refunded_cents", 0),
    )
