"""Plain read models of group offers and groups, as the API and the room show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecommerce.groups.gate import GroupRef
from livecommerce.orders.views import OrderView
from livecommerce.storage.models import GroupBuy, GroupOffer


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    room_id: int
    product_id: int
    price_cents: int
    size: int
    duration_seconds: int
    stock: int
    sold: int
    per_user_limit: int
    active: bool

    @classmethod
    def of(cls, o: GroupOffer) -> OfferView:
        return cls(o.id, o.room_id, o.product_id, o.price_cents, o.size, o.duration_seconds,
                   o.stock, o.sold, o.per_user_limit, o.active)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "room_id": self.room_id, "product_id": self.product_id,
            "price_cents": self.price_cents, "size": self.size,
            "duration_seconds": self.duration_seconds, "stock": self.stock, "sold": self.sold,
            "remaining": self.stock - self.sold, "per_user_limit": self.per_user_limit,
            "active": self.active,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class GroupView:
    id: int
    offer_id: int
    room_id: int
    product_id: int
    price_cents: int
    leader_id: int | None
    size: int
    seats_taken: int
    status: str
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, g: GroupBuy, offer: GroupOffer) -> GroupView:
        return cls(g.id, g.offer_id, g.room_id, offer.product_id, offer.price_cents, g.leader_id,
                   g.size, g.seats_taken, g.status, g.created_at, g.expires_at,
                   g.closed_at)  # fmt: skip

    @property
    def ref(self) -> GroupRef:
        return GroupRef(self.room_id, self.offer_id, self.id)

    def as_dict(self) -> dict[str, Any]:
        closed = self.closed_at.isoformat() if self.closed_at is not None else None
        return {
            "id": self.id, "offer_id": self.offer_id, "room_id": self.room_id,
            "product_id": self.product_id, "price_cents": self.price_cents,
            "leader_id": self.leader_id, "size": self.size, "seats_taken": self.seats_taken,
            "status": self.status, "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(), "closed_at": closed,
            "share_path": f"/rooms/{self.room_id}?group={self.id}",
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Joined:
    """The answer to opening or joining: the group as it is now, the buyer's order, and
    whether this call created it (the same Idempotency-Key answers with the same one)."""

    group: GroupView
    order: OrderView
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group.as_dict(), "order": self.order.as_dict(),
                "created": self.created}  # fmt: skip
