"""An order's timeline, read from its audit rows (placed, paid, shipped, ... refunded)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import Order, OrderAudit


async def timeline(session: AsyncSession, order: Order) -> list[dict[str, Any]]:
    """Placement first, then every transition in order, with who moved it and why."""
    rows = await session.scalars(
        select(OrderAudit).where(OrderAudit.order_id == order.id).order_by(OrderAudit.id)
    )
    steps: list[dict[str, Any]] = [
        {"status": "placed", "at": order.created_at.isoformat(), "actor": "buyer", "reason": ""}
    ]
    for row in rows:
        steps.append(
            {"status": row.to_status, "from": row.from_status, "at": row.at.isoformat(),
             "actor": row.actor, "reason": row.reason}
        )  # fmt: skip
    return steps
