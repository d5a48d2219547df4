"""Use cases of rooms: each opens its unit of work, calls the room's services, and
lets the unit of work hand the emitted events to the hub after the commit.

Routes and the WebSocket handler call these, never a unit of work of their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.rooms import editing, moderation, service
from livecommerce.rooms.cover import cover_extension
from livecommerce.rooms.views import RoomView
from livecommerce.storage.db import Database
from livecommerce.storage.files import FileStore


async def schedule_room(
    db: Database, *, caller: Principal, title: str, host: int | str, scheduled_at: datetime,
    product_ids: list[int], cover_url: str = "",
) -> RoomView:  # fmt: skip
    async with db.unit_of_work() as uow:
        return await service.schedule_room(
            uow, caller=caller, title=title, host=host, scheduled_at=scheduled_at,
            product_ids=product_ids, cover_url=cover_url,
        )  # fmt: skip


async def start_show(db: Database, *, caller: Principal, room_id: int) -> RoomView:
    async with db.unit_of_work() as uow:
        return await service.start_room(uow, caller=caller, room_id=room_id)


async def pin(db: Database, *, caller: Principal, room_id: int, product_id: int | None) -> RoomView:
    """Pin the product being explained (``None`` unpins)."""
    async with db.unit_of_work() as uow:
        return await service.pin_product(uow, caller=caller, room_id=room_id, product_id=product_id)


async def appoint_moderator(db: Database, *, caller: Principal, room_id: int, user_id: int) -> None:
    async with db.unit_of_work() as uow:
        await service.add_moderator(uow, caller=caller, room_id=room_id, user_id=user_id)


async def dismiss_moderator(db: Database, *, caller: Principal, room_id: int, user_id: int) -> None:
    async with db.unit_of_work() as uow:
        await service.remove_moderator(uow, caller=caller, room_id=room_id, user_id=user_id)


async def stream_started(db: Database, *, room_id: int, node_url: str) -> None:
    """The host's video now lives on ``node_url``; players are told to connect."""
    async with db.unit_of_work() as uow:
        await service.record_stream(uow, room_id=room_id, node_url=node_url)


async def stream_stopped(db: Database, *, room_id: int, node_url: str) -> bool:
    """Forget ``node_url`` as the room's media node unless another node took over."""
    async with db.unit_of_work() as uow:
        return await service.forget_stream(uow, room_id=room_id, node_url=node_url)


async def restrict(
    db: Database, *, caller: Principal, room_id: int, user: int | str, kind: str,
    seconds: int | None,
) -> datetime | None:  # fmt: skip
    """Mute or ban a viewer (``seconds=0`` lifts it)."""
    async with db.unit_of_work() as uow:
        return await moderation.restrict(
            uow, caller=caller, room_id=room_id, user=user, kind=kind, seconds=seconds
        )


async def delete_message(db: Database, *, caller: Principal, room_id: int, message_id: int) -> None:
    async with db.unit_of_work() as uow:
        await moderation.delete_message(uow, caller=caller, room_id=room_id, message_id=message_id)


async def set_slow_mode(db: Database, *, caller: Principal, room_id: int, seconds: int) -> None:
    async with db.unit_of_work() as uow:
        await moderation.set_slow_mode(uow, caller=caller, room_id=room_id, seconds=seconds)


async def set_blocked_words(
    db: Database, *, caller: Principal, room_id: int, words: list[str]
) -> None:
    async with db.unit_of_work() as uow:
        await moderation.set_blocked_words(uow, caller=caller, room_id=room_id, words=words)


async def edit_room(
    db: Database, *, caller: Principal, room_id: int, changes: dict[str, Any]
) -> RoomView:
    """Retitle, reschedule (before it starts) or re-cover a show."""
    async with db.unit_of_work() as uow:
        return await editing.update_room(uow, caller=caller, room_id=room_id, changes=changes)


async def set_cover(
    db: Database, store: FileStore, *, caller: Principal, room_id: int, body: bytes,
    content_type: str, url_prefix: str,
) -> RoomView:  # fmt: skip
    """Store an uploaded cover image and make it the show's cover.

    Permission is checked before the bytes are written, so a stranger cannot fill the disk.
    """
    extension = cover_extension(content_type, body)
    async with db.read() as session:
        await service.require_manager(session, await service.load_room(session, room_id), caller)
    name = store.save(body, extension)
    changes = {"cover_url": f"{url_prefix}/{name}"}
    return await edit_room(db, caller=caller, room_id=room_id, changes=changes)
