"""预约: a viewer asks to be reminded of an upcoming show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import ShowNotUpcoming
from livecommerce.follows._insert import insert_ignoring
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room
from livecommerce.storage.follow_models import ROUND_KINDS, Reminder, ReminderRound


async def remind(session: AsyncSession, *, user_id: int, room_id: int, now: datetime) -> int:
    """Subscribe ``user_id`` to the show's reminders; the show's subscriber count."""
    room = await load_room(session, room_id)
    if room.status != RoomStatus.SCHEDULED:
        raise ShowNotUpcoming("reminders are for upcoming shows; this one is live or over")
    await insert_ignoring(session, Reminder, room_id=room_id, user_id=user_id, created_at=now)
    for kind in ROUND_KINDS:
        await insert_ignoring(
            session, ReminderRound, room_id=room_id, kind=kind, cursor=0, notified=0
        )
    return await reminder_count(session, room_id)


async def forget(session: AsyncSession, *, user_id: int, room_id: int) -> int:
    """Unsubscribe (any time; a round already under way may still reach them)."""
    await load_room(session, room_id)
    await session.execute(
        delete(Reminder).where(Reminder.room_id == room_id, Reminder.user_id == user_id)
    )
    return await reminder_count(session, room_id)


async def reminder_count(session: AsyncSession, room_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.room_id == room_id)
    )
    return int(count or 0)


async def reminded(session: AsyncSession, user_id: int, room_ids: list[int]) -> set[int]:
    """Which of ``room_ids`` ``user_id`` asked to be reminded of."""
    if not room_ids:
        return set()
    rows = await session.scalars(
        select(Reminder.room_id).where(Reminder.user_id == user_id, Reminder.room_id.in_(room_ids))
    )
    return set(rows)
