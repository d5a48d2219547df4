"""Plain read models of flash sales, as the API, pages and snapshots show them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from livecommerce.events.shapes import SaleData
from livecommerce.storage.models import FlashSale


@dataclass(frozen=True, slots=True)
class SaleRef:
    """Enough to find a sale's stock gate keys: the room is part of the Redis hash tag."""

    room_id: int
    sale_id: int


@dataclass(frozen=True, slots=True)
class SaleView:
    id: int
    room_id: int
    product_id: int
    price_cents: int
    quantity: int
    sold: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    status: str

    @classmethod
    def of(cls, sale: FlashSale) -> SaleView:
        return cls(
            sale.id, sale.room_id, sale.product_id, sale.price_cents, sale.quantity,
            sale.sold, sale.per_user_limit, sale.starts_at, sale.ends_at, sale.status,
        )  # fmt: skip

    @property
    def remaining(self) -> int:
        return self.quantity - self.sold

    @property
    def ref(self) -> SaleRef:
        return SaleRef(self.room_id, self.id)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["remaining"] = self.remaining
        data["starts_at"] = self.starts_at.isoformat()
        data["ends_at"] = self.ends_at.isoformat()
        return data

    def data(self) -> SaleData:
        """The sale as events carry it: the same fields as ``as_dict``."""
        return cast(SaleData, self.as_dict())
