"""The payouts CSV: one row per commission with a payable balance, read batch by batch
so the route streams it in constant memory (like ``orders.export``)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import func, select

from livecommerce.storage.db import Database
from livecommerce.storage.models import User
from livecommerce.storage.referral_models import Commission, CommissionEntry

COLUMNS = (
    "promoter_id", "promoter", "commission_id", "order_id", "level", "rate_bp",
    "base_cents", "amount_cents", "payable_cents", "status", "settled_at",
)  # fmt: skip
BATCH = 500


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # Only text can be a spreadsheet formula; a negative amount stays a number.
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _chunk(rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([_text(v) for v in r] for r in rows)
    return out.getvalue()


async def payouts_csv(db: Database, *, merchant_id: int) -> AsyncIterator[str]:
    yield "\ufeff" + _chunk([COLUMNS])
    payable = func.sum(CommissionEntry.payable_cents)
    after = 0
    while True:
        query = (
            select(Commission.promoter_id, User.handle, Commission.id, Commission.order_id,
                   Commission.level, Commission.rate_bp, Commission.base_cents,
                   Commission.amount_cents, payable, Commission.status, Commission.settled_at)
            .join(CommissionEntry, CommissionEntry.commission_id == Commission.id)
            .join(User, User.id == Commission.promoter_id)
            .where(Commission.merchant_id == merchant_id, Commission.id > after)
            .group_by(Commission.id, User.handle)
            .having(payable != 0)
            .order_by(Commission.id).limit(BATCH)
        )  # fmt: skip
        async with db.read() as session:
            rows = [tuple(r) for r in (await session.execute(query)).all()]
        if not rows:
            return
        yield _chunk(rows)
        after = int(str(rows[-1][2]))
