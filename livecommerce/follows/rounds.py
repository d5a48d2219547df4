"""Reminder rounds: notifying a show's subscribers once, however many nodes look.

A round (``ReminderRound``) is due when its show is live ("start") or within the lead
time of its scheduled start ("soon"). A node takes it with a conditional update of its
lease, then notifies subscribers chunk by chunk: each chunk's transaction moves the
round's cursor with ``WHERE cursor = <what this node read>`` before it inserts the
chunk's notifications and webhook deliveries, so a chunk is written by one node only.
A node that dies mid-round leaves its lease to run out; the next node resumes at the
cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.follow_models import Notification, Reminder, ReminderRound
from livecommerce.storage.models import Room, UTCDateTime

LEASE = timedelta(seconds=30)
DUE_BATCH = 50


@dataclass(frozen=True, slots=True)
class Round:
    room_id: int
    kind: str


def _due(now: datetime, lead: timedelta) -> ColumnElement[bool]:
    r = ReminderRound
    start = and_(r.kind == "start", Room.status == RoomStatus.LIVE.value)
    soon = (
        and_(r.kind == "soon", Room.status == RoomStatus.SCHEDULED.value,
             Room.scheduled_at <= now + lead)
        if lead > timedelta(0) else false()
    )  # fmt: skip
    free = or_(r.leased_until.is_(None), r.leased_until < now)
    return and_(r.done_at.is_(None), free, or_(start, soon))


async def due_rounds(session: AsyncSession, *, now: datetime, lead: timedelta) -> list[Round]:
    r = ReminderRound
    rows = await session.execute(
        select(r.room_id, r.kind).join(Room, Room.id == r.room_id)
        .where(_due(now, lead)).order_by(r.room_id).limit(DUE_BATCH)
    )  # fmt: skip
    return [Round(room_id, kind) for room_id, kind in rows]


async def take(session: AsyncSession, due: Round, *, now: datetime) -> int | None:
    """Lease the round to this node; its cursor, or None if another node holds it."""
    r = ReminderRound
    taken = await session.execute(
        update(r)
        .where(r.room_id == due.room_id, r.kind == due.kind, r.done_at.is_(None),
               or_(r.leased_until.is_(None), r.leased_until < now))
        .values(leased_until=now + LEASE, started_at=func.coalesce(r.started_at, now))
        .returning(r.cursor)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    cursor = taken.scalar_one_or_none()
    return None if cursor is None else int(cursor)


async def chunk_end(session: AsyncSession, room_id: int, cursor: int, size: int) -> int | None:
    """The last reminder id of the next chunk after ``cursor``; None: nobody left."""
    after = and_(Reminder.room_id == room_id, Reminder.id > cursor)
    end = await session.scalar(
        select(Reminder.id).where(after).order_by(Reminder.id).offset(size - 1).limit(1)
    )
    if end is None:
        end = await session.scalar(select(func.max(Reminder.id)).where(after))
    return None if end is None else int(end)


async def advance(
    session: AsyncSession, due: Round, *, cursor: int, end: int, now: datetime
) -> int | None:
    """Claim the chunk (cursor, end] and write its notifications; how many, or None if
    another node moved the cursor first (then nothing was written)."""
    r = ReminderRound
    moved = await session.execute(
        update(r)
        .where(r.room_id == due.room_id, r.kind == due.kind, r.cursor == cursor)
        .values(cursor=end, leased_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 0):
        return None
    chunk = and_(Reminder.room_id == due.room_id, Reminder.id > cursor, Reminder.id <= end)
    # Typed: asyncpg renders each as a typed parameter (a SELECT list tells it none).
    source = select(
        Reminder.user_id,
        literal(due.room_id, Integer),
        literal(due.kind, String(8)),
        literal(now, UTCDateTime()),
    ).where(chunk)
    written = await session.execute(
        insert(Notification).from_select(["user_id", "room_id", "kind", "created_at"], source)
    )
    count = int(getattr(written, "rowcount", 0) or 0)
    await session.execute(
        update(r).where(r.room_id == due.room_id, r.kind == due.kind)
        .values(notified=r.notified + count)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return count


async def finish(session: AsyncSession, due: Round, *, cursor: int, now: datetime) -> int | None:
    """Close the round if nobody came after ``cursor``; how many it notified in all."""
    r = ReminderRound
    done = await session.execute(
        update(r)
        .where(r.room_id == due.room_id, r.kind == due.kind, r.cursor == cursor,
               r.done_at.is_(None))
        .values(done_at=now, leased_until=None)
        .returning(r.notified)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    notified = done.scalar_one_or_none()
    return None if notified is None else int(notified)
