"""A show's numbers as the API answers them: whole show, last ten minutes against the
ten before, per minute, per product, and the timeline of the host's actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import facts as f
from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import MINUTE_METRICS, PRODUCT_METRICS, Totals, Value, evaluate
from livecommerce.orders.funnel import show_clock
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.models import LedgerEntry, Product, Room

WINDOW_MINUTES = 10


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


async def show_totals(
    session: AsyncSession, room_id: int, facts: f.Facts, minutes: tuple[int, int] | None = None
) -> Totals:
    """The base counts of the whole show, or of ``minutes`` (inclusive)."""
    cells = facts.cells
    if minutes is not None:
        cells = [c for c in cells if minutes[0] <= c.minute <= minutes[1]]
    one = {
        name: (await f.distinct(session, room_id, what, minutes=minutes)).get(0, 0)
        for name, what in (
            ("unique_viewers", f.UNIQUE_VIEWERS), ("buyers", f.BUYERS),
            ("refunded_orders", f.REFUNDED_ORDERS),
        )
    }  # fmt: skip
    return f.totals(cells, **one)


async def show_stats(session: AsyncSession, room: Room, *, now: datetime) -> dict[str, Any]:
    facts = await f.facts(session, room.id)
    clock = ShowClock.of(room, now)
    last = (clock.minute - WINDOW_MINUTES + 1, clock.minute)
    previous = (last[0] - WINDOW_MINUTES, last[0] - 1)
    recent: dict[str, Any] = {"window_minutes": WINDOW_MINUTES}
    for name, span in (("last", last), ("previous", previous)):
        totals = await show_totals(session, room.id, facts, span)
        recent[name] = {"from_minute": span[0], "to_minute": span[1], "metrics": evaluate(totals)}
    return {
        "room": room.id, "status": room.status, "final": clock.final,
        "started_at": _iso(room.started_at), "ended_at": _iso(room.ended_at),
        "elapsed_ms": clock.elapsed_ms, "as_of": _iso(now),
        "metrics": evaluate(await show_totals(session, room.id, facts)), "recent": recent,
    }  # fmt: skip


async def minute_series(
    session: AsyncSession, room: Room, *, now: datetime
) -> list[dict[str, Any]]:
    """One row per minute from the first with data through the show's current (or last)
    minute, gaps as zeros; rows after the end (late payments, refunds) as they come."""
    facts = await f.facts(session, room.id)
    by_minute: dict[int, list[f.Cell]] = {}
    for cell in facts.cells:
        by_minute.setdefault(cell.minute, []).append(cell)
    buyers = await f.distinct(session, room.id, f.BUYERS, by=LedgerEntry.minute)
    refunded = await f.distinct(session, room.id, f.REFUNDED_ORDERS, by=LedgerEntry.minute)
    last = ShowClock.of(room, now).minute
    minutes = set(by_minute) | set(range(min(by_minute, default=0), last + 1))
    start = room.started_at
    rows = []
    for minute in sorted(minutes):
        totals = f.totals(
            by_minute.get(minute, []), buyers=buyers.get(minute, 0),
            refunded_orders=refunded.get(minute, 0),
        )  # fmt: skip
        at = start + timedelta(minutes=minute) if start else None
        rows.append({"minute": minute, "start": _iso(at), **evaluate(totals, MINUTE_METRICS)})
    return rows


async def product_table(session: AsyncSession, room: Room) -> list[dict[str, Any]]:
    """One row per product with any ledger row, most GMV first."""
    facts = await f.facts(session, room.id)
    by_product: dict[int, list[f.Cell]] = {}
    for cell in facts.cells:
        if cell.product_id:
            by_product.setdefault(cell.product_id, []).append(cell)
    buyers = await f.distinct(session, room.id, f.BUYERS, by=LedgerEntry.product_id)
    refunded = await f.distinct(session, room.id, f.REFUNDED_ORDERS, by=LedgerEntry.product_id)
    named = select(Product.id, Product.title).where(Product.id.in_(list(by_product)))
    titles: dict[int, str] = {pid: title for pid, title in await session.execute(named)}
    rows: list[dict[str, Any]] = []
    for product_id, cells in by_product.items():
        totals = f.totals(
            cells, buyers=buyers.get(product_id, 0), refunded_orders=refunded.get(product_id, 0)
        )
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
