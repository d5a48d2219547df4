"""Adding to the show ledger's per-minute rollup (``ledger_minute``): one upsert that adds
counters (and keeps the larger peak), portable across SQLite and PostgreSQL.

Callers write the ledger rows and add their fold here in the same transaction, so the
rollup is always the sum of the rows it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy import insert as core_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import LedgerEntry, LedgerFirst, LedgerMinute

COUNTERS = (
    "impressions", "clicks", "sheet_opens", "joins", "leaves", "watch_ms",
    "effective_views", "peak_viewers", "orders", "gmv_gross_cents", "paid_orders",
    "gmv_paid_cents", "cancelled_orders", "expired_orders", "refunded_cents", "new_viewers",
    "new_buyers", "product_buyers",
)  # fmt: skip
FIRSTS_CHUNK = 2000
"""Rows per first-occurrence insert (4 parameters each, within SQLite's limit)."""

Key = tuple[int, int, int]
"""(room id, minute, product id or 0)."""


async def add(session: AsyncSession, folded: Mapping[Key, Mapping[str, int]]) -> None:
    """Add ``folded`` to the rollup rows (peaks: the larger). Keys go in sorted order, so
    two writers adding to the same minutes lock the rows in the same order."""
    if not folded:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    larger = func.greatest if postgres else func.max
    rows = [
        {"room_id": k[0], "minute": k[1], "product_id": k[2], **dict.fromkeys(COUNTERS, 0),
         **folded[k]}
        for k in sorted(folded)
    ]  # fmt: skip
    statement = insert(LedgerMinute)
    table = LedgerMinute.__table__.c
    changes: dict[str, Any] = {
        name: table[name] + statement.excluded[name] for name in COUNTERS if name != "peak_viewers"
    }
    changes["peak_viewers"] = larger(table.peak_viewers, statement.excluded.peak_viewers)
    upsert = statement.on_conflict_do_update(
        index_elements=["room_id", "minute", "product_id"], set_=changes
    )
    await session.execute(upsert, rows)


Firsts = Callable[[Mapping[str, Any]], Sequence[tuple[str, str]]]
"""For a ledger row: the (first-occurrence kind, rollup counter) pairs it may be the first
of, per viewer and show; e.g. a buyer's first order, and first order of this product."""


async def append(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    folded: dict[Key, dict[str, int]],
    firsts: Firsts,
) -> None:
    """Insert ledger ``rows``, count the first occurrences among them into ``folded``,
    and add ``folded`` to the rollup."""
    if not rows:
        return
    await session.execute(core_insert(LedgerEntry), rows)
    for row, name in await _new_firsts(session, rows, firsts):
        key = (row["room_id"], row["minute"], row["product_id"] or 0)
        counters = folded.setdefault(key, dict.fromkeys(COUNTERS, 0))
        counters[name] = counters.get(name, 0) + 1
    await add(session, folded)


async def _new_firsts(
    session: AsyncSession, rows: Sequence[dict[str, Any]], firsts: Firsts
) -> list[tuple[dict[str, Any], str]]:
    """The rows that are their viewer's first of a kind in the show, with the counter
    (the database's unique key decides between concurrent writers; in a batch, the
    earliest row wins)."""
    candidates: dict[tuple[int, str, str], tuple[dict[str, Any], str]] = {}
    for row in rows:
        for kind, name in firsts(row) if row["viewer"] else ():
            candidates.setdefault((row["room_id"], kind, row["viewer"]), (row, name))
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    keys = sorted(candidates)
    won: list[tuple[dict[str, Any], str]] = []
    for start in range(0, len(keys), FIRSTS_CHUNK):
        chunk = keys[start : start + FIRSTS_CHUNK]
        values = [
            {"room_id": k[0], "kind": k[1], "viewer": k[2], "minute": candidates[k][0]["minute"]}
            for k in chunk
        ]
        statement = (
            insert(LedgerFirst)
            .values(values)
            .on_conflict_do_nothing()
            .returning(LedgerFirst.room_id, LedgerFirst.kind, LedgerFirst.viewer)
        )
        for room_id, kind, viewer in await session.execute(statement):
            won.append(candidates[room_id, kind, viewer])
    return won
