"""A user's in-app notifications and the badge every open page polls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.storage.follow_models import Notification
from livecommerce.storage.models import Room, User

MAX_LISTED = 100


@dataclass(frozen=True, slots=True)
class Badge:
    unread: int
    latest: int  # the newest notification's id; 0: none

    @property
    def etag(self) -> str:
        """Changes exactly when the badge does, so a poll is answered 304 otherwise."""
        return f'W/"n{self.latest}-{self.unread}"'

    def as_dict(self) -> dict[str, int]:
        return {"unread": self.unread, "latest": self.latest}


async def badge(session: AsyncSession, user_id: int) -> Badge:
    n = Notification
    latest = await session.scalar(select(func.max(n.id)).where(n.user_id == user_id))
    unread = await session.scalar(
        select(func.count()).select_from(n).where(n.user_id == user_id, n.read_at.is_(None))
    )
    return Badge(int(unread or 0), int(latest or 0))


async def latest(session: AsyncSession, user_id: int, *, limit: int = 30) -> list[dict[str, Any]]:
    n = Notification
    rows = await session.execute(
        select(n, Room.title, User.display_name)
        .join(Room, Room.id == n.room_id).join(User, User.id == Room.host_id)
        .where(n.user_id == user_id).order_by(n.id.desc()).limit(min(limit, MAX_LISTED))
    )  # fmt: skip
    return [
        {"id": x.id, "kind": x.kind, "room_id": x.room_id, "title": title, "host_name": host,
         "created_at": x.created_at.isoformat(), "read": x.read_at is not None}
        for x, title, host in rows
    ]  # fmt: skip


async def mark_read(
    session: AsyncSession, user_id: int, *, up_to: int | None, now: datetime
) -> int:
    """Mark the user's notifications read (those up to id ``up_to``, or all)."""
    n = Notification
    query = update(n).where(n.user_id == user_id, n.read_at.is_(None))
    if up_to is not None:
        query = query.where(n.id <= up_to)
    done = await session.execute(
        query.values(read_at=now).execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)
