"""The studio's order numbers for one show, read from the orders themselves."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import Order

# Orders that count as sold: waiting for payment or paid (not cancelled, expired, refunded).
_PLACED = ("pending_payment", "paid")


@dataclass(frozen=True, slots=True)
class RoomOrderNumbers:
    orders: int
    paid: int
    paid_cents: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def room_order_numbers(session: AsyncSession, room_id: int) -> RoomOrderNumbers:
    o = Order
    paid = o.status == "paid"
    row = (
        await session.execute(
            select(
                func.count().filter(o.status.in_(_PLACED)),
                func.count().filter(paid),
                func.coalesce(func.sum(o.unit_price_cents * o.quantity).filter(paid), 0),
            ).where(o.room_id == room_id)
        )
    ).one()
    return RoomOrderNumbers(int(row[0]), int(row[1]), int(row[2]))
