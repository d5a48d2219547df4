"""A show's numbers as the API answers them: whole show, last ten minutes against the
ten before, per minute, per product, and the timeline of the host's actions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from livecommerce.analytics import facts as f
from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import MINUTE_METRICS, PRODUCT_METRICS, Totals, Value, evaluate
from livecommerce.orders.funnel import show_clock
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.models import LedgerEntry, LedgerMinute, Product, Room

WINDOW_MINUTES = 10
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ShowClock:
    """Where the show stands: its current (or, ended, its last) minute."""

    elapsed_ms: int
    minute: int
    final: bool

    @classmethod
    def of(cls, room: Room, now: datetime) -> ShowClock:
        final = room.status == RoomStatus.ENDED
        elapsed, minute = show_clock(
            room.started_at, room.ended_at if final and room.ended_at else now
        )
        return cls(elapsed, minute, final)


async def show_totals(session: AsyncSession, room_id: int) -> Totals:
    """The base counts of the whole show (distinct viewers and buyers: the rollup's count
    of each one's first row)."""
    cells = list((await f.sums(session, room_id)).values())
    refunded = await f.distinct(session, room_id, f.REFUNDED_ORDERS)
    return f.totals(cells, refunded_orders=refunded.get(0, 0), firsts=True)


async def window_totals(
    session: AsyncSession, room_id: int, spans: tuple[Span, Span]
) -> tuple[Totals, Totals]:
    """The base counts of two adjacent windows of minutes (inclusive), the earlier first."""
    (start, _), (split, end) = spans
    halves = await f.sums(
        session, room_id, by=case((LedgerMinute.minute >= split, 1), else_=0), minutes=(start, end)
    )
    found = []
    for index, span in enumerate(spans):
        # One distinct count per window: grouping both windows' rows in one query made
        # the database sort the whole range (tens of thousands of joins at 1M rows).
        counts = {
            name: (await f.distinct(session, room_id, what, minutes=span))[0]
            for name, what in (
                ("unique_viewers", f.UNIQUE_VIEWERS), ("buyers", f.BUYERS),
                ("refunded_orders", f.REFUNDED_ORDERS),
            )
        }  # fmt: skip
        cells = [halves[index]] if index in halves else []
        found.append(
            f.totals(
                cells,
                unique_viewers=counts["unique_viewers"],
                buyers=counts["buyers"],
                refunded_orders=counts["refunded_orders"],
            )
        )
    return found[0], found[1]


async def show_stats(session: AsyncSession, room: Room, *, now: datetime) -> dict[str, Any]:
    clock = ShowClock.of(room, now)
    last = (clock.minute - WINDOW_MINUTES + 1, clock.minute)
    previous = (last[0] - WINDOW_MINUTES, last[0] - 1)
    before, recently = await window_totals(session, room.id, (previous, last))
    recent: dict[str, Any] = {"window_minutes": WINDOW_MINUTES}
    for name, span, totals in (("last", last, recently), ("previous", previous, before)):
        recent[name] = {"from_minute": span[0], "to_minute": span[1], "metrics": evaluate(totals)}
    return {
        "room": room.id, "status": room.status, "final": clock.final,
        "started_at": _iso(room.started_at), "ended_at": _iso(room.ended_at),
        "elapsed_ms": clock.elapsed_ms, "as_of": _iso(now),
        "metrics": evaluate(await show_totals(session, room.id)), "recent": recent,
    }  # fmt: skip


async def minute_series(
    session: AsyncSession, room: Room, *, now: datetime
) -> list[dict[str, Any]]:
    """One row per minute from the first with data through the show's current (or last)
    minute, gaps as zeros; rows after the end (late payments, refunds) as they come."""
    by_minute = await f.sums(session, room.id, by=LedgerMinute.minute)
    buyers = await f.distinct(session, room.id, f.BUYERS, by=LedgerEntry.minute)
    refunded = await f.distinct(session, room.id, f.REFUNDED_ORDERS, by=LedgerEntry.minute)
    last = ShowClock.of(room, now).minute
    minutes = set(by_minute) | set(range(min(by_minute, default=0), last + 1))
    start = room.started_at
    rows = []
    for minute in sorted(minutes):
        cells = [by_minute[minute]] if minute in by_minute else []
        totals = f.totals(
            cells, buyers=buyers.get(minute, 0),
            refunded_orders=refunded.get(minute, 0),
        )  # fmt: skip
        at = start + timedelta(minutes=minute) if start else None
        rows.append({"minute": minute, "start": _iso(at), **evaluate(totals, MINUTE_METRICS)})
    return rows


async def product_table(session: AsyncSession, room: Room) -> list[dict[str, Any]]:
    """One row per product with any ledger row, most GMV first."""
    by_product = await f.sums(session, room.id, by=LedgerMinute.product_id)
    by_product.pop(0, None)  # the show's own rows (sessions, samples): no product
    refunded = await f.distinct(session, room.id, f.REFUNDED_ORDERS, by=LedgerEntry.product_id)
    named = select(Product.id, Product.title).where(Product.id.in_(list(by_product)))
    titles: dict[int, str] = {pid: title for pid, title in await session.execute(named)}
    rows: list[dict[str, Any]] = []
    for product_id, cell in by_product.items():
        totals = f.totals([cell], refunded_orders=refunded.get(product_id, 0), product_firsts=True)
        values: dict[str, Value] = evaluate(totals, PRODUCT_METRICS)
        rows.append({"product_id": product_id, "title": titles.get(product_id, ""), **values})
    rows.sort(key=lambda r: (-int(r["gmv_gross_cents"] or 0), r["product_id"]))
    return rows


async def timeline(session: AsyncSession, room_id: int) -> list[dict[str, Any]]:
    """The host's actions and the show's state changes, oldest first."""
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.room_id == room_id, LedgerEntry.kind.in_(kinds.TIMELINE_TYPES))
        .order_by(LedgerEntry.at, LedgerEntry.id)
    )
    return [
        {
            "kind": e.kind, "at": _iso(e.at), "elapsed_ms": e.elapsed_ms, "minute": e.minute,
            "product_id": e.product_id, "sale_id": e.sale_id,
            "detail": json.loads(e.detail) if e.detail else {},
        }
        for e in (await session.scalars(query)).all()
    ]  # fmt: skip


FOREVER_MS = 2**62
"""After every show time: where the last action's row of sales ends."""


async def sold_after(
    session: AsyncSession, room_id: int, actions: Sequence[str], count: int
) -> list[tuple[int, int]]:
    """For the first ``count`` of the show's timeline rows of the kinds ``actions`` (in
    the timeline's order) the orders placed from each until the next, as (orders, cents):
    what sold after each thing the host did, by show time in ms, not by minute.

    Each action's orders are one range of the (room, kind, show time) index: an order at
    an action's very millisecond is that action's, one before the first action is none's.
    """
    e, o = LedgerEntry, aliased(LedgerEntry)
    order = (e.at, e.id)
    done = (
        select(
            func.row_number().over(order_by=order).label("rank"),
            e.elapsed_ms.label("start"),
            func.coalesce(func.lead(e.elapsed_ms).over(order_by=order), FOREVER_MS).label("end"),
        )
        .where(e.room_id == room_id, e.kind.in_(actions))
        .subquery()
    )
    sold = and_(
        o.room_id == room_id, o.kind == kinds.PLACED,
        o.elapsed_ms >= done.c.start, o.elapsed_ms < done.c.end,
    )  # fmt: skip
    query = (
        select(done.c.rank, func.count(o.elapsed_ms), func.sum(o.amount_cents))
        .select_from(done)
        .outerjoin(o, sold)
        .where(done.c.rank <= count)
        .group_by(done.c.rank)
    )
    found = {int(r): (int(n), int(c or 0)) for r, n, c in await session.execute(query)}
    return [found.get(i + 1, (0, 0)) for i in range(count)]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
