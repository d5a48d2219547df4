"""Who follows whom: viewers follow hosts and shops (merchants)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import FollowSelf, NotFollowable, NotFound
from livecommerce.follows._insert import insert_ignoring
from livecommerce.storage.follow_models import Follow
from livecommerce.storage.models import User

FOLLOWABLE = ("host", "merchant")
MAX_LISTED = 500
CHUNK = 5000
"""Ids per ``IN`` list (SQLite allows 32,766 parameters per statement)."""


@dataclass(frozen=True, slots=True)
class Followee:
    id: int
    handle: str
    display_name: str
    role: str
    since: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "handle": self.handle, "display_name": self.display_name,
            "role": self.role, "since": self.since.isoformat(),
        }  # fmt: skip


async def follow(
    session: AsyncSession, *, follower_id: int, followee_id: int, now: datetime
) -> None:
    """Follow a host or shop; following again changes nothing."""
    if follower_id == followee_id:
        raise FollowSelf("you cannot follow yourself")
    followee = await session.get(User, followee_id)
    if followee is None:
        raise NotFound(f"user {followee_id} not found")
    if followee.role not in FOLLOWABLE:
        raise NotFollowable("only hosts and shops can be followed")
    await insert_ignoring(
        session, Follow, follower_id=follower_id, followee_id=followee_id, created_at=now
    )


async def unfollow(session: AsyncSession, *, follower_id: int, followee_id: int) -> None:
    await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )


async def followees(session: AsyncSession, follower_id: int) -> list[Followee]:
    rows = await session.execute(
        select(User, Follow.created_at)
        .join(Follow, Follow.followee_id == User.id)
        .where(Follow.follower_id == follower_id)
        .order_by(Follow.id.desc())
        .limit(MAX_LISTED)
    )
    return [Followee(u.id, u.handle, u.display_name, u.role, since) for u, since in rows]


async def follows_any(session: AsyncSession, follower_id: int, followee_ids: list[int]) -> bool:
    """Whether ``follower_id`` follows one of ``followee_ids`` (a shop or its host)."""
    found = await session.scalar(
        select(Follow.id)
        .where(Follow.follower_id == follower_id, Follow.followee_id.in_(followee_ids))
        .limit(1)
    )
    return found is not None


async def followers_among(
    session: AsyncSession, followee_ids: list[int], candidates: Iterable[int]
) -> set[int]:
    """Which of ``candidates`` follow one of ``followee_ids`` now. Read in chunks of the
    candidates (the follow pair's unique index), so the cost is the candidates', not the
    size of a famous host's following."""
    found: set[int] = set()
    pending = sorted(candidates)
    for start in range(0, len(pending), CHUNK):
        found.update(
            await session.scalars(
                select(Follow.follower_id).where(
                    Follow.followee_id.in_(followee_ids),
                    Follow.follower_id.in_(pending[start : start + CHUNK]),
                )
            )
        )
    return found


async def follower_count(session: AsyncSession, followee_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Follow).where(Follow.followee_id == followee_id)
    )
    return int(count or 0)


def followed_by(follower_id: int) -> Any:
    """A subquery of the ids ``follower_id`` follows, for ``IN`` clauses."""
    return select(Follow.followee_id).where(Follow.follower_id == follower_id).scalar_subquery()


def of_followed(follower_id: int, *columns: Any) -> Any:
    """True where one of ``columns`` (a room's host, its merchant) is followed."""
    subquery = followed_by(follower_id)
    return or_(*(column.in_(subquery) for column in columns))
