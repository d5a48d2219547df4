"""What pages show of follows: the home page's upcoming shows (followed first), and a
viewer's standing in one room (following its host, reminded, how many are)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.follows import following, reminders
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.views import RoomView
from livecommerce.storage.models import Room, User


async def upcoming_for(
    session: AsyncSession, viewer_id: int, *, limit: int
) -> tuple[list[RoomView], set[int]]:
    """Upcoming shows, those of hosts and shops the viewer follows first (each group by
    start time); and the ids of the followed ones."""
    followed = following.of_followed(viewer_id, Room.host_id, Room.merchant_id)
    rank = case((followed, 0), else_=1)
    rows = await session.execute(
        select(Room, User, rank).join(User, User.id == Room.host_id)
        .where(Room.status == RoomStatus.SCHEDULED.value)
        .order_by(rank, Room.scheduled_at, Room.id).limit(limit)
    )  # fmt: skip
    rooms, ids = [], set()
    for room, host, order in rows:
        rooms.append(RoomView.of(room, host))
        if order == 0:
            ids.add(room.id)
    return rooms, ids


async def standing(session: AsyncSession, room: Room, viewer_id: int | None) -> dict[str, Any]:
    """The room page's follow and 预约 buttons, as the viewer sees them."""
    mine = viewer_id is not None
    return {
        "host_id": room.host_id,
        "following": mine and await following.follows_any(session, viewer_id or 0, [room.host_id]),
        "reminded": mine
        and room.id in await reminders.reminded(session, viewer_id or 0, [room.id]),
        "reminders": await reminders.reminder_count(session, room.id),
        "followers": await following.follower_count(session, room.host_id),
    }
