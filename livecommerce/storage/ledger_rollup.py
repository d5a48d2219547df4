"""Adding to the show ledger's per-minute rollup (``ledger_minute``): one upsert that adds
counters (and keeps the larger peak), portable across SQLite and PostgreSQL.

Callers write the ledger rows and add their fold here in the same transaction, so the
rollup is always the sum of the rows it stands for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    "new_buyers",
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


async def append(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    folded: dict[Key, dict[str, int]],
    firsts: Mapping[str, str],
) -> None:
    """Insert ledger ``rows``, count the firsts among them (``firsts`` maps a kind to the
    rollup counter of its first occurrences per viewer) into ``folded``, add ``folded``."""
    if not rows:
        return
    await session.execute(core_insert(LedgerEntry), rows)
    for row in await _new_firsts(session, rows, firsts):
        key = (row["room_id"], row["minute"], row["product_id"] or 0)
        counters = folded.setdefault(key, dict.fromkeys(COUNTERS, 0))
        counters[firsts[row["kind"]]] = counters.get(firsts[row["kind"]], 0) + 1
    await add(session, folded)


async def _new_firsts(
    session: AsyncSession, rows: Sequence[dict[str, Any]], firsts: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The rows that are their viewer's first of their kind in the show (the database's
    unique key decides between concurrent writers); the earliest row of a batch wins."""
    candidates: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in rows:
        if row["kind"] in firsts and row["viewer"]:
            candidates.setdefault((row["room_id"], row["kind"], row["viewer"]), row)
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    keys = sorted(candidates)
    won: list[dict[str, Any]] = []
    for start in range(0, len(keys), FIRSTS_CHUNK):
        chunk = keys[start : start + FIRSTS_CHUNK]
        values = [
            {"room_id": k[0], "kind": k[1], "viewer": k[2], "minute": candidates[k]["minute"]}
            for k in chunk
        ]
        statement = (
            insert(LedgerFirst)
            .values(values)
            .on_conflict_do_nothing()
            .returning(LedgerFirst.room_id, LedgerFirst.kind, LedgerFirst.viewer)
        )
        won.extend(candidates[tuple(r)] for r in await session.execute(statement))  # type: ignore[index]
    return won
