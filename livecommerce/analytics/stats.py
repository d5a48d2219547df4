"""A show's numbers as the API answers them: whole show, last ten minutes against the
ten before, per minute, per product, and the timeline of the host's actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    """The base counts of two adjacent windows of minutes (inclusive), the earlier first;
    each distinct count is one query over both, split at the later window's start."""
    (start, _), (split, end) = spans
    side = case((LedgerEntry.minute >= split, 1), else_=0)
    halves = await f.sums(
        session, room_id, by=case((LedgerMinute.minute >= split, 1), else_=0), minutes=(start, end)
    )
    counts = {
        name: await f.distinct(session, room_id, what, by=side, minutes=(start, end))
        for name, what in (
            ("unique_viewers", f.UNIQUE_VIEWERS), ("buyers", f.BUYERS),
            ("refunded_orders", f.REFUNDED_ORDERS),
        )
    }  # fmt: skip
    found = []
    for index in (0, 1):
        cells = [halves[index]] if index in halves else []
        found.append(
            f.totals(
                cells,
                unique_viewers=counts["unique_viewers"].get(index, 0),
                buyers=counts["buyers"].get(index, 0),
                refunded_orders=counts["refunded_orders"].get(index, 0),
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


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
