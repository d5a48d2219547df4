"""Plain read models of rooms, as the API, pages and snapshots show them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from livecommerce.catalog.service import ProductView
from livecommerce.storage.models import Room, User


@dataclass(frozen=True, slots=True)
class RoomView:
    id: int
    title: str
    status: str
    merchant_id: int
    host_id: int
    host_name: str
    cover_url: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    pinned_product_id: int | None
    replay: str = "published"
    recordable: bool = True

    @classmethod
    def of(cls, room: Room, host: User) -> RoomView:
        return cls(
            room.id,
            room.title,
            room.status,
            room.merchant_id,
            room.host_id,
            host.display_name,
            room.cover_url,
            room.scheduled_at,
            room.started_at,
            room.ended_at,
            room.pinned_product_id,
            room.replay,
            room.recordable,
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("scheduled_at", "started_at", "ended_at"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        return data


@dataclass(frozen=True, slots=True)
class RoomDetail:
    room: RoomView
    shelf: list[ProductView]
    moderator_ids: list[int]

    @property
    def pinned(self) -> ProductView | None:
        return next((p for p in self.shelf if p.id == self.room.pinned_product_id), None)

    def as_dict(self) -> dict[str, Any]:
        pinned = self.pinned
        return {
            **self.room.as_dict(),
            "shelf": [p.as_dict() for p in self.shelf],
            "pinned_product": pinned.as_dict() if pinned else None,
            "moderator_ids": self.moderator_ids,
        }
