"""What a show sold: paid units per product, for the page of an ended room."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.models import Order, Product

# Only paid orders count as sold: a pending one may still expire, a refund undoes one.
SOLD = "paid"


@dataclass(frozen=True, slots=True)
class SoldLine:
    product_id: int
    title: str
    units: int
    orders: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def show_sold(session: AsyncSession, room_id: int) -> list[SoldLine]:
    """Units and orders per product bought in the room (deals and shelf), most sold first."""
    units = func.sum(Order.quantity)
    rows = await session.execute(
        select(Order.product_id, Product.title, units, func.count(Order.id))
        .join(Product, Product.id == Order.product_id)
        .where(Order.room_id == room_id, Order.status == SOLD)
        .group_by(Order.product_id, Product.title)
        .order_by(units.desc(), Order.product_id)
    )
    return [SoldLine(pid, title, int(n), int(count)) for pid, title, n, count in rows]
