"""Reading a show's ledger: the per-minute rollup, and the distinct counts.

Everything a stats answer needs, in a handful of indexed queries: the rollup grows with
the show's minutes x products, the distinct counts walk an index of one kind's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import Totals
from livecommerce.storage.ledger_rollup import COUNTERS
from livecommerce.storage.models import LedgerEntry, LedgerMinute

E = LedgerEntry


@dataclass(frozen=True, slots=True)
class Cell:
    """Additive base counts of a part of a show (a minute, a product, a window, all of
    it), summed from its rollup rows; distinct counts are apart."""

    counts: dict[str, int] = field(default_factory=dict)


async def sums(
    session: AsyncSession,
    room_id: int,
    *,
    by: Any = None,
    minutes: tuple[int, int] | None = None,
) -> dict[int, Cell]:
    """The rollup summed in the database (peaks: the largest), grouped ``by`` a column
    or expression (key 0 when not grouped), within ``minutes`` (inclusive) if given."""
    m = LedgerMinute
    values = [
        func.max(m.peak_viewers) if name == "peak_viewers" else func.sum(getattr(m, name))
        for name in COUNTERS
    ]
    query = select(*values) if by is None else select(by, *values).group_by(by)
    query = query.where(m.room_id == room_id)
    if minutes is not None:
        query = query.where(m.minute.between(*minutes))
    found: dict[int, Cell] = {}
    for row in await session.execute(query):
        key, numbers = (0, row) if by is None else (row[0], row[1:])
        if by is None and numbers[0] is None:
            continue  # no rollup row at all
        found[int(key or 0)] = Cell(
            dict(zip(COUNTERS, (int(n or 0) for n in numbers), strict=True))
        )
    return found


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
    where = [E.room_id == room_id, E.kind == kind]
    if minutes is not None:
        where.append(E.minute.between(*minutes))
    if by is None:
        # count(*) of a DISTINCT subquery, not count(DISTINCT): PostgreSQL can hash it
        # instead of sorting, and neither database needs a GROUP BY over the range.
        values = select(column).where(*where, column.is_not(None)).distinct().subquery()
        return {0: int(await session.scalar(select(func.count()).select_from(values)) or 0)}
    counted = func.count(func.distinct(column))
    query = select(by, counted).where(*where).group_by(by)
    return {int(key or 0): n for key, n in (await session.execute(query))}


def totals(
    cells: Iterable[Cell],
    *,
    unique_viewers: int = 0,
    buyers: int = 0,
    refunded_orders: int = 0,
    firsts: bool = False,
    product_firsts: bool = False,
) -> Totals:
    """Add up cells into base counts (peaks: the largest), with the distinct counts; with
    ``firsts``, distinct viewers and buyers are the cells' first rows (a whole show only:
    a viewer's first join may lie before a window); with ``product_firsts`` (one
    product's cells), buyers are its buyers' first orders of it."""
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
        unique_viewers=summed.get("new_viewers", 0) if firsts else unique_viewers,
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
        buyers=_buyers(summed, buyers, firsts=firsts, product_firsts=product_firsts),
        gmv_gross_cents=summed.get("gmv_gross_cents", 0),
        gmv_paid_cents=summed.get("gmv_paid_cents", 0),
        refunded_cents=summed.get("refunded_cents", 0),
    )


def _buyers(summed: dict[str, int], given: int, *, firsts: bool, product_firsts: bool) -> int:
    if product_firsts:
        return summed.get("product_buyers", 0)
    return summed.get("new_buyers", 0) if firsts else given
