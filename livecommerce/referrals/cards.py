"""What a share card (Open Graph preview) of a room or product shows: read-only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import NotFound
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.models import Product, Room, RoomProduct


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    image: str
    price_cents: int | None
    """The product's price, or a room's lowest shelf price (None: an empty shelf)."""
    currency: str
    merchant_id: int
    room_id: int | None
    """For a product: the show to watch it in (a live one first), if any."""
    description: str = ""


async def room_card(session: AsyncSession, room_id: int) -> Card:
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    lowest = await session.scalar(
        select(func.min(Product.price_cents))
        .join(RoomProduct, RoomProduct.product_id == Product.id)
        .where(RoomProduct.room_id == room_id, Product.deleted.is_(False))
    )
    return Card(room.title, room.cover_url, lowest, "CNY", room.merchant_id, room.id)


async def product_card(session: AsyncSession, product_id: int) -> Card:
    product = await session.get(Product, product_id)
    if product is None or product.deleted:
        raise NotFound(f"product {product_id} not found")
    live_first = case((Room.status == RoomStatus.LIVE.value, 0), else_=1)
    room_id = await session.scalar(
        select(Room.id)
        .join(RoomProduct, RoomProduct.room_id == Room.id)
        .where(
            RoomProduct.product_id == product_id,
            Room.status.in_([RoomStatus.LIVE.value, RoomStatus.SCHEDULED.value]),
        )
        .order_by(live_first, Room.scheduled_at)
        .limit(1)
    )
    return Card(product.title, product.image_url, product.price_cents, product.currency,
                product.merchant_id, room_id, product.description)  # fmt: skip
