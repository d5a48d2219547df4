"""The shelf (小黄车) after scheduling: change it while the show has not ended, and keep
products that a show still sells from being deleted under it.

This lives above rooms because a shelf change must respect the room's open deals: a
product with an open deal stays on the shelf until the deal closes.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog import service as catalog
from livecommerce.catalog.service import ProductView
from livecommerce.errors import InvalidInput, PermissionDenied, ProductInDeal, ProductOnShelf
from livecommerce.rooms import events
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import check_shelf, load_room, require_manager
from livecommerce.sales.lifecycle import OPEN_STATUSES
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import FlashSale, Room, RoomProduct


async def _open_deal_products(session: AsyncSession, room_id: int) -> set[int]:
    rows = await session.scalars(
        select(FlashSale.product_id).where(
            FlashSale.room_id == room_id,
            FlashSale.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )
    return set(rows)


async def set_shelf(
    uow: UnitOfWork, *, caller: Principal, room_id: int, product_ids: list[int]
) -> list[ProductView]:
    """Replace the shelf with ``product_ids`` in that order; viewers get ``shelf.changed``.

    A removed product that was pinned is unpinned (with its event); one with an open deal
    cannot be removed (``product_in_deal``).
    """
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller)
    if room.status == RoomStatus.ENDED:
        raise InvalidInput("the room has ended")
    await check_shelf(session, room.merchant_id, product_ids)
    on_shelf = select(RoomProduct.product_id).where(RoomProduct.room_id == room_id)
    current = set(await session.scalars(on_shelf))
    kept_by_deals = (current - set(product_ids)) & await _open_deal_products(session, room_id)
    if kept_by_deals:
        ids = ", ".join(str(i) for i in sorted(kept_by_deals))
        raise ProductInDeal(f"product {ids} has an open flash deal in this room")
    await session.execute(delete(RoomProduct).where(RoomProduct.room_id == room_id))
    session.add_all(
        RoomProduct(room_id=room_id, product_id=pid, position=i)
        for i, pid in enumerate(product_ids)
    )
    if room.pinned_product_id is not None and room.pinned_product_id not in product_ids:
        room.pinned_product_id = None
        uow.emit(room_id, events.ProductUnpinned())
    await session.flush()
    shelf = [ProductView.of(await catalog.load_product(session, pid)) for pid in product_ids]
    uow.emit(room_id, events.ShelfChanged(shelf=[p.card() for p in shelf]))
    return shelf


async def delete_product(uow: UnitOfWork, *, caller: Principal, product_id: int) -> None:
    """Delete (archive) a product, unless a show that has not ended still has it on its
    shelf: viewers would keep a Buy button for it (``product_on_shelf``)."""
    session = uow.session
    product = await catalog.load_product(session, product_id)
    if product.merchant_id != caller.user_id and caller.role != "admin":
        raise PermissionDenied("this product belongs to another merchant")
    rooms = await session.scalars(
        select(Room.title)
        .join(RoomProduct, RoomProduct.room_id == Room.id)
        .where(RoomProduct.product_id == product_id, Room.status != RoomStatus.ENDED.value)
    )
    titles = list(rooms)
    if titles:
        raise ProductOnShelf(f"product {product_id} is on the shelf of: {', '.join(titles)}")
    await catalog.delete_product(session, caller=caller, product_id=product_id)
