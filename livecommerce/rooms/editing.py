"""Change a scheduled or live show: its title, its time (until it starts), its cover."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import MAX_TITLE, load_room, require_manager, room_view
from livecommerce.rooms.views import RoomView
from livecommerce.storage.db import UnitOfWork

EDITABLE = ("title", "scheduled_at", "cover_url")


def _check(changes: dict[str, Any], status: RoomStatus) -> None:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    if status is RoomStatus.ENDED:
        raise InvalidInput("the room has ended")
    title = changes.get("title")
    if title is not None and (not 1 <= len(title.strip()) <= MAX_TITLE or "\x00" in title):
        raise InvalidInput(f"title must be 1-{MAX_TITLE} characters")
    when: datetime | None = changes.get("scheduled_at")
    if when is not None:
        if status is not RoomStatus.SCHEDULED:
            raise InvalidInput("a show that has started cannot be rescheduled")
        if when.tzinfo is None:
            raise InvalidInput("scheduled_at needs a time zone (e.g. ...Z)")
    cover = changes.get("cover_url")
    if cover and not cover.startswith(("https://", "http://", "/")):
        raise InvalidInput("cover_url must be an http(s) URL or a path")


async def update_room(
    uow: UnitOfWork, *, caller: Principal, room_id: int, changes: dict[str, Any]
) -> RoomView:
    """Apply ``changes`` (only the fields sent); ``None`` values are refused."""
    if any(value is None for value in changes.values()):
        raise InvalidInput("fields cannot be null")
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    _check(changes, RoomStatus(room.status))
    for name, value in changes.items():
        setattr(room, name, value.strip() if name == "title" else value)
    await uow.session.flush()
    return await room_view(uow.session, room)
