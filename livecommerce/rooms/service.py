"""Rooms (shows): schedule, start, end, pin the product being explained, moderators."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import ProductView, load_product
from livecommerce.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RoomEnded,
)
from livecommerce.events.shapes import UserRef
from livecommerce.rooms import events
from livecommerce.rooms.lifecycle import RoomAction, RoomStatus, next_status
from livecommerce.rooms.views import RoomDetail, RoomView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Product, Room, RoomModerator, RoomProduct, User, utcnow

MAX_TITLE, MAX_SHELF = 120, 200


async def _find_host(session: AsyncSession, host: int | str) -> User:
    query = select(User).where(
        User.id == host if isinstance(host, int) else User.handle == host.strip().lower()
    )
    user = await session.scalar(query)
    if user is None:
        raise NotFound(f"host {host!r} not found")
    if user.role not in ("host", "merchant"):
        raise InvalidInput(f"{user.handle!r} is not a host")
    return user


async def check_shelf(session: AsyncSession, merchant_id: int, product_ids: list[int]) -> None:
    if len(product_ids) > MAX_SHELF or len(set(product_ids)) != len(product_ids):
        raise InvalidInput(f"product_ids must be distinct, at most {MAX_SHELF}")
    for product_id in product_ids:
        product = await load_product(session, product_id)
        if product.merchant_id != merchant_id:
            raise PermissionDenied(f"product {product_id} belongs to another merchant")


async def schedule_room(
    uow: UnitOfWork,
    *,
    caller: Principal,
    title: str,
    host: int | str,
    scheduled_at: datetime,
    product_ids: list[int],
    cover_url: str = "",
) -> RoomView:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants schedule rooms")
    if not 1 <= len(title.strip()) <= MAX_TITLE:
        raise InvalidInput(f"title must be 1-{MAX_TITLE} characters")
    if "\x00" in title:  # the database refuses a NUL in text (PostgreSQL does)
        raise InvalidInput("title must not contain NUL characters")
    if scheduled_at.tzinfo is None:
        raise InvalidInput("scheduled_at needs a time zone (e.g. ...Z)")
    session = uow.session
    host_user = await _find_host(session, host)
    await check_shelf(session, caller.user_id, product_ids)
    room = Room(
        merchant_id=caller.user_id,
        host_id=host_user.id,
        title=title.strip(),
        cover_url=cover_url,
        scheduled_at=scheduled_at,
        status=RoomStatus.SCHEDULED.value,
    )
    session.add(room)
    await session.flush()
    session.add_all(
        RoomProduct(room_id=room.id, product_id=pid, position=i)
        for i, pid in enumerate(product_ids)
    )
    return RoomView.of(room, host_user)


async def load_room(session: AsyncSession, room_id: int) -> Room:
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    return room


async def is_moderator(session: AsyncSession, room_id: int, user_id: int) -> bool:
    found = await session.get(RoomModerator, (room_id, user_id))
    return found is not None


class _Owned(Protocol):
    @property
    def host_id(self) -> int: ...

    @property
    def merchant_id(self) -> int: ...


def runs_room(room: _Owned, user_id: int, role: str) -> bool:
    """The host, the merchant and admins run a room: they manage it and see all chat,
    moderator or not."""
    return user_id in (room.host_id, room.merchant_id) or role == "admin"


async def require_manager(
    session: AsyncSession, room: Room, caller: Principal, *, moderators: bool = False
) -> None:
    """The host, the merchant and admins manage a room; moderators only where allowed."""
    if runs_room(room, caller.user_id, caller.role):
        return
    if moderators and await is_moderator(session, room.id, caller.user_id):
        return
    raise PermissionDenied("only the room's host or merchant may do this")


async def _transition(uow: UnitOfWork, caller: Principal, room_id: int, action: RoomAction) -> Room:
    """Claim the move with ``UPDATE ... WHERE status = <from>``: of two concurrent calls,
    one moves the room (and publishes); the other is refused as the move it now is."""
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller)
    current = RoomStatus(room.status)
    target = next_status(current, action)
    claimed = await session.execute(
        update(Room)
        .where(Room.id == room_id, Room.status == current.value)
        .values(status=target.value)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(room)
    if not getattr(claimed, "rowcount", 0):
        next_status(RoomStatus(room.status), action)  # raises: someone else moved it
        raise IllegalTransition(f"the room moved to {room.status} meanwhile")
    return room


async def start_room(uow: UnitOfWork, *, caller: Principal, room_id: int) -> RoomView:
    room = await _transition(uow, caller, room_id, RoomAction.START)
    room.started_at = utcnow()
    uow.emit(room.id, events.RoomStarted(started_at=room.started_at.isoformat()))
    return await room_view(uow.session, room)


async def end_room(uow: UnitOfWork, *, caller: Principal, room_id: int) -> RoomView:
    room = await _transition(uow, caller, room_id, RoomAction.END)
    room.ended_at = utcnow()
    room.pinned_product_id = None
    uow.emit(room.id, events.RoomEnded(ended_at=room.ended_at.isoformat()))
    return await room_view(uow.session, room)


async def pin_product(
    uow: UnitOfWork, *, caller: Principal, room_id: int, product_id: int | None
) -> RoomView:
    """Pin a shelf product as "now explaining" (讲解卡); ``None`` unpins."""
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller, moderators=True)
    if room.status == RoomStatus.ENDED:
        raise RoomEnded("the room has ended")
    if product_id is None:
        room.pinned_product_id = None
        uow.emit(room.id, events.ProductUnpinned())
        return await room_view(session, room)
    if await session.get(RoomProduct, (room_id, product_id)) is None:
        raise InvalidInput(f"product {product_id} is not on this room's shelf")
    room.pinned_product_id = product_id
    product = ProductView.of(await load_product(session, product_id))
    uow.emit(room.id, events.ProductPinned(product=product.card()))
    return await room_view(session, room)


async def add_moderator(uow: UnitOfWork, *, caller: Principal, room_id: int, user_id: int) -> None:
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    user = await uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    if not await is_moderator(uow.session, room_id, user_id):
        uow.session.add(RoomModerator(room_id=room_id, user_id=user_id))
        # An event, so the user's open sockets start seeing all chat without a rejoin.
        uow.emit(room_id, events.ModeratorAdded(user=user_ref(user), privileged=True))


async def remove_moderator(
    uow: UnitOfWork, *, caller: Principal, room_id: int, user_id: int
) -> None:
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    user = await uow.session.get(User, user_id)
    link = await uow.session.get(RoomModerator, (room_id, user_id))
    if user is None or link is None:
        return  # removing what is not there is done already
    await uow.session.delete(link)
    privileged = runs_room(room, user.id, user.role)
    uow.emit(room_id, events.ModeratorRemoved(user=user_ref(user), privileged=privileged))


def user_ref(user: User) -> UserRef:
    """How events name a user."""
    return UserRef(id=user.id, handle=user.handle, name=user.display_name)


async def room_view(session: AsyncSession, room: Room) -> RoomView:
    host = await session.get(User, room.host_id)
    assert host is not None
    return RoomView.of(room, host)


async def list_rooms(
    session: AsyncSession,
    *,
    status: str | None = None,
    merchant_id: int | None = None,
    host_id: int | None = None,
    limit: int = 100,
) -> list[RoomView]:
    query = select(Room, User).join(User, User.id == Room.host_id)
    if status is not None:
        if status not in {s.value for s in RoomStatus}:
            raise InvalidInput("status must be live, scheduled or ended")
        query = query.where(Room.status == status)
    if merchant_id is not None:
        query = query.where(Room.merchant_id == merchant_id)
    if host_id is not None:
        query = query.where(Room.host_id == host_id)
    order = Room.scheduled_at.desc() if status == RoomStatus.ENDED else Room.scheduled_at
    rows = await session.execute(query.order_by(order, Room.id).limit(limit))
    return [RoomView.of(room, host) for room, host in rows]


async def room_detail(session: AsyncSession, room_id: int) -> RoomDetail:
    room = await load_room(session, room_id)
    shelf = await session.scalars(
        select(Product)
        .join(RoomProduct, RoomProduct.product_id == Product.id)
        .where(RoomProduct.room_id == room_id, Product.deleted.is_(False))
        .order_by(RoomProduct.position)
    )
    moderators = await session.scalars(
        select(RoomModerator.user_id).where(RoomModerator.room_id == room_id)
    )
    return RoomDetail(
        await room_view(session, room), [ProductView.of(p) for p in shelf], list(moderators)
    )


async def record_stream(uow: UnitOfWork, *, room_id: int, node_url: str) -> None:
    """The host's video now lives on ``node_url``; viewers are told to (re)connect."""
    room = await load_room(uow.session, room_id)
    room.media_node = node_url
    uow.emit(room_id, events.StreamStarted())


async def forget_stream(uow: UnitOfWork, *, room_id: int, node_url: str) -> bool:
    """Forget ``node_url`` as the room's media node unless another node took over since."""
    room = await load_room(uow.session, room_id)
    if room.media_node != node_url:
        return False
    room.media_node = None
    uow.emit(room_id, events.StreamEnded())
    return True
