"""Room chat (弹幕): post a message, read the recent ones.

Rules, checked in order of cost: length, room state, the poster's mute or ban, blocked
words, slow mode. The per-user rate limit is the caller's job (it needs the shared rate
limiter, not the database). A posted message reaches viewers as ``chat.posted`` after
the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    BlockedWord,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import ChatMessage, Room, RoomBan, RoomModerator, User, utcnow

MAX_BODY = 200
RECENT = 50


@dataclass(frozen=True, slots=True)
class ChatView:
    id: int
    user_id: int
    handle: str
    display_name: str
    body: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": {"id": self.user_id, "handle": self.handle, "name": self.display_name},
            "body": self.body,
            "at": self.at.isoformat(),
        }


def clean_body(body: str) -> str:
    """Trim and drop control characters (they can forge lines in the chat)."""
    text = "".join(ch for ch in body.strip() if ch.isprintable())
    if not 1 <= len(text) <= MAX_BODY:
        raise InvalidInput(f"a message is 1-{MAX_BODY} characters")
    return text


def blocked_words(room: Room) -> list[str]:
    return [w for w in (line.strip().casefold() for line in room.blocked_words.split("\n")) if w]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    caller: Principal
    room_id: int
    body: str


async def post_message(uow: UnitOfWork, *, caller: Principal, room_id: int, body: str) -> ChatView:
    [result] = await post_messages(uow, [ChatRequest(caller, room_id, body)])
    if isinstance(result, DomainError):
        raise result
    return result


async def post_messages(
    uow: UnitOfWork, requests: Sequence[ChatRequest]
) -> list[ChatView | DomainError]:
    """Post several messages in one transaction: each gets its view or its refusal.

    The rules are those of a single message, checked in the same order; the facts they
    need (rooms, posters, restrictions, moderators, last post times) are read once for
    the whole batch, so a batch costs a handful of round trips however long it is.
    """
    facts = await _Facts.load(uow.session, requests)
    checked = [facts.try_check(request) for request in requests]
    uow.session.add_all([c[0] for c in checked if isinstance(c, tuple)])
    await uow.session.flush()
    return [c if isinstance(c, DomainError) else _posted(uow, *c) for c in checked]


def _posted(uow: UnitOfWork, message: ChatMessage, user: User) -> ChatView:
    view = ChatView(
        message.id, user.id, user.handle, user.display_name, message.body, message.created_at
    )
    uow.publish_after_commit(message.room_id, "chat.posted", view.as_dict())
    return view


@dataclass
class _Facts:
    rooms: dict[int, Room]
    users: dict[int, User]
    restrictions: dict[tuple[int, int], RoomBan]
    moderators: set[tuple[int, int]]
    last_post: dict[tuple[int, int], datetime]
    now: datetime

    @classmethod
    async def load(cls, session: AsyncSession, requests: Sequence[ChatRequest]) -> _Facts:
        room_ids = {r.room_id for r in requests}
        user_ids = {r.caller.user_id for r in requests}
        rooms = {x.id: x for x in await session.scalars(select(Room).where(Room.id.in_(room_ids)))}
        users = {x.id: x for x in await session.scalars(select(User).where(User.id.in_(user_ids)))}
        now = utcnow()
        bans = await session.scalars(
            select(RoomBan).where(
                RoomBan.room_id.in_(room_ids),
                RoomBan.user_id.in_(user_ids),
                or_(RoomBan.until.is_(None), RoomBan.until > now),
            )
        )
        facts = cls(rooms, users, {(b.room_id, b.user_id): b for b in bans}, set(), {}, now)
        slow = {room_id for room_id, room in rooms.items() if room.slow_mode_seconds > 0}
        if slow:
            await facts._load_slow_mode(session, slow, user_ids)
        return facts

    async def _load_slow_mode(
        self, session: AsyncSession, room_ids: set[int], user_ids: set[int]
    ) -> None:
        pairs = select(RoomModerator.room_id, RoomModerator.user_id).where(
            RoomModerator.room_id.in_(room_ids), RoomModerator.user_id.in_(user_ids)
        )
        self.moderators = {(room_id, user_id) for room_id, user_id in await session.execute(pairs)}
        latest = (
            select(ChatMessage.room_id, ChatMessage.user_id, func.max(ChatMessage.created_at))
            .where(ChatMessage.room_id.in_(room_ids), ChatMessage.user_id.in_(user_ids))
            .group_by(ChatMessage.room_id, ChatMessage.user_id)
        )
        for room_id, user_id, at in await session.execute(latest):
            if at.tzinfo is None:  # func.max bypasses the column type on some dialects
                at = at.replace(tzinfo=self.now.tzinfo)
            self.last_post[(room_id, user_id)] = at

    def try_check(self, request: ChatRequest) -> tuple[ChatMessage, User] | DomainError:
        try:
            return self._check(request)
        except DomainError as refusal:
            return refusal

    def _check(self, request: ChatRequest) -> tuple[ChatMessage, User]:
        """The rules, cheapest first; raises the refusal, else the message to insert."""
        text = clean_body(request.body)
        room = self.rooms.get(request.room_id)
        if room is None:
            raise NotFound(f"room {request.room_id} not found")
        if room.status == "ended":
            raise InvalidInput("the room has ended")
        who = request.caller
        restriction = self.restrictions.get((room.id, who.user_id))
        if restriction is not None:
            until = restriction.until.isoformat() if restriction.until else "the end of the show"
            raise PermissionDenied(f"you may not chat in this room until {until}")
        folded = text.casefold()
        if any(word in folded for word in blocked_words(room)):
            raise BlockedWord("the message contains a word this room does not allow")
        if room.slow_mode_seconds > 0 and not self._privileged(room, who):
            self._check_slow_mode(room, who.user_id)
        user = self.users.get(who.user_id)
        if user is None:
            raise PermissionDenied("unknown user")
        # A later message of the same batch sees this one for slow mode.
        self.last_post[(room.id, user.id)] = self.now
        message = ChatMessage(room_id=room.id, user_id=user.id, body=text, created_at=self.now)
        return message, user

    def _privileged(self, room: Room, who: Principal) -> bool:
        if who.user_id in (room.host_id, room.merchant_id) or who.role == "admin":
            return True
        return (room.id, who.user_id) in self.moderators

    def _check_slow_mode(self, room: Room, user_id: int) -> None:
        last = self.last_post.get((room.id, user_id))
        if last is None:
            return
        wait = room.slow_mode_seconds - (self.now - last).total_seconds()
        if wait > 0:
            raise RateLimited(
                f"slow mode: one message per {room.slow_mode_seconds}s", retry_after=wait
            )


async def recent_messages(
    session: AsyncSession, room_id: int, *, limit: int = RECENT
) -> list[ChatView]:
    """The latest visible messages, oldest first."""
    rows = await session.execute(
        select(ChatMessage, User)
        .join(User, User.id == ChatMessage.user_id)
        .where(ChatMessage.room_id == room_id, ChatMessage.hidden.is_(False))
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    views = [ChatView(m.id, u.id, u.handle, u.display_name, m.body, m.created_at) for m, u in rows]
    return views[::-1]
