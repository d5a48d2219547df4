"""A host's page (their channel) as a viewer sees it: name, followers, the show live now,
the upcoming shows with the viewer's 预约, and the published replays."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import NotFound
from livecommerce.follows import following, reminders
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.replays import list_replays
from livecommerce.rooms.service import list_rooms
from livecommerce.rooms.views import RoomView
from livecommerce.storage.follow_models import Reminder
from livecommerce.storage.models import User

HOSTING_ROLES = ("host", "merchant")  # the roles a show can name as its host
LISTED = 24


async def host_page(
    session: AsyncSession, host_id: int, viewer_id: int | None, *, limit: int = LISTED
) -> dict[str, Any]:
    """Everything the host page shows; NotFound for anyone who cannot host a show."""
    host = await session.get(User, host_id)
    if host is None or host.role not in HOSTING_ROLES:
        raise NotFound(f"host {host_id} not found")
    live = await list_rooms(session, status=RoomStatus.LIVE.value, host_id=host_id, limit=limit)
    upcoming = await list_rooms(
        session, status=RoomStatus.SCHEDULED.value, host_id=host_id, limit=limit
    )
    replays = await list_replays(session, host_id=host_id, limit=limit)
    mine = viewer_id is not None and viewer_id != host_id
    ids = [r.id for r in upcoming]
    asked = await reminders.reminded(session, viewer_id, ids) if mine and viewer_id else set()
    counts = await _reminder_counts(session, ids)
    return {
        "host": {"id": host.id, "handle": host.handle, "display_name": host.display_name},
        "followers": await following.follower_count(session, host_id),
        "following": bool(mine and viewer_id)
        and await following.follows_any(session, viewer_id or 0, [host_id]),
        "live": [r.as_dict() for r in live],
        "upcoming": [
            {**r.as_dict(), "reminded": r.id in asked, "reminders": counts.get(r.id, 0)}
            for r in upcoming
        ],
        "replays": [_replay(r) for r in replays],
    }


def _replay(room: RoomView) -> dict[str, Any]:
    """A replay's card: the show, and how long it was on air (its recording's length at
    most; the manifests are in media storage, one read per replay, so not listed)."""
    on_air = None
    if room.started_at is not None and room.ended_at is not None:
        on_air = max(0, round((room.ended_at - room.started_at).total_seconds()))
    return {**room.as_dict(), "duration_seconds": on_air}


async def _reminder_counts(session: AsyncSession, room_ids: list[int]) -> dict[int, int]:
    if not room_ids:
        return {}
    rows = await session.execute(
        select(Reminder.room_id, func.count())
        .where(Reminder.room_id.in_(room_ids))
        .group_by(Reminder.room_id)
    )
    return {room_id: int(count) for room_id, count in rows}
