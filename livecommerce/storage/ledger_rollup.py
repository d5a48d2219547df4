"""Adding to the show ledger's per-minute rollup (``ledger_minute``): one upsert that adds
counters (and keeps the larger peak), portable across SQLite and PostgreSQL.

Callers write the ledger rows and add their fold here in the same transaction, so the
rollup is always the sum of the rows it stands for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import LedgerMinute

COUNTERS = (
    "impressions", "clicks", "sheet_opens", "joins", "leaves", "watch_ms",
    "effective_views", "peak_viewers", "orders", "gmv_gross_cents", "paid_orders",
    "gmv_paid_cents", "cancelled_orders", "expired_orders", "refunded_cents",
)  # fmt: skip

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
