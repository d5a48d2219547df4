"""Folding ledger rows into per-minute rollups, and writing the fold (add, or max).

The same ``fold`` is what the flush writes and what the honest-numbers test recomputes
from the raw rows, so the rollup is by construction a sum of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import kinds
from livecommerce.storage.models import LedgerMinute

COUNTERS = (
    "impressions", "clicks", "sheet_opens", "joins", "leaves", "watch_ms",
    "effective_views", "peak_viewers",
)  # fmt: skip
_BY_KIND = {
    kinds.IMPRESSION: "impressions",
    kinds.CLICK: "clicks",
    kinds.SHEET_OPENED: "sheet_opens",
}

Key = tuple[int, int, int]
"""(room id, minute, product id or 0)."""


def fold(rows: Iterable[Mapping[str, Any]]) -> dict[Key, dict[str, int]]:
    """The rollup counters of ``rows`` (ledger rows as dicts); order rows and timeline
    rows are not rolled up (the stats read those rows directly)."""
    out: dict[Key, dict[str, int]] = {}
    for row in rows:
        kind = row["kind"]
        product = row.get("product_id") or 0
        if kind in _BY_KIND:
            _add(out, (row["room_id"], row["minute"], product), _BY_KIND[kind], row["count"])
        elif kind == kinds.JOINED:
            _add(out, (row["room_id"], row["minute"], 0), "joins", 1)
        elif kind == kinds.LEFT:
            key = (row["room_id"], row["minute"], 0)
            _add(out, key, "leaves", 1)
            _add(out, key, "watch_ms", row["value_ms"])
            _add(out, key, "effective_views", int(row["value_ms"] > kinds.EFFECTIVE_VIEW_MS))
        elif kind == kinds.SAMPLED:
            counters = _counters(out, (row["room_id"], row["minute"], 0))
            counters["peak_viewers"] = max(counters["peak_viewers"], row["count"])
    return out


def _counters(out: dict[Key, dict[str, int]], key: Key) -> dict[str, int]:
    counters = out.get(key)
    if counters is None:
        counters = out[key] = dict.fromkeys(COUNTERS, 0)
    return counters


def _add(out: dict[Key, dict[str, int]], key: Key, name: str, amount: int) -> None:
    _counters(out, key)[name] += amount


async def write(session: AsyncSession, folded: Mapping[Key, Mapping[str, int]]) -> None:
    """Add ``folded`` to the rollup rows (peaks: the larger). Keys go in sorted order, so
    two nodes flushing the same minutes lock the rows in the same order (no deadlock)."""
    if not folded:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    larger = func.greatest if postgres else func.max
    rows = [
        {"room_id": k[0], "minute": k[1], "product_id": k[2], **folded[k]} for k in sorted(folded)
    ]
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
