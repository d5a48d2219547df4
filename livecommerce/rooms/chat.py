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
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Executable, bindparam, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    BlockedWord,
    DomainError,
    InvalidInput,
    Muted,
    NotFound,
    PermissionDenied,
    RateLimited,
    RoomEnded,
)
from livecommerce.events.shapes import ChatAuthor, ChatMessageData
from livecommerce.rooms import events
from livecommerce.rooms.service import runs_room
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import (
    ChatMessage,
    Room,
    RoomBan,
    RoomModerator,
    User,
    UTCDateTime,
    utcnow,
)

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

    def data(self) -> ChatMessageData:
        """The message as events and snapshots carry it."""
        author = ChatAuthor(id=self.user_id, handle=self.handle, name=self.display_name)
        return ChatMessageData(id=self.id, user=author, body=self.body, at=self.at.isoformat())

    def as_dict(self) -> dict[str, Any]:
        return dict(self.data())


def clean_body(body: str) -> str:
    """Trim and drop control characters (they can forge lines in the chat)."""
    text = "".join(ch for ch in body.strip() if ch.isprintable())
    if not 1 <= len(text) <= MAX_BODY:
        raise InvalidInput(f"a message is 1-{MAX_BODY} characters")
    return text


def blocked_words(room: Room | _RoomFacts) -> list[str]:
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
    # Core statements (see _Statements) on the transaction's own connection.
    conn = await uow.session.connection()
    facts = await _Facts.load(conn, requests)
    checked = [facts.try_check(request) for request in requests]
    accepted = [c for c in checked if not isinstance(c, DomainError)]
    if accepted:
        rows = [
            {"room_id": m.room_id, "user_id": m.user.id, "body": m.body, "created_at": facts.now}
            for m in accepted
        ]
        ids = (await conn.execute(_statements().insert, rows)).scalars()
        for message, message_id in zip(accepted, ids, strict=True):
            message.id = message_id
    return [c if isinstance(c, DomainError) else _posted(uow, c, facts.now) for c in checked]


def _posted(uow: UnitOfWork, message: _Accepted, at: datetime) -> ChatView:
    user = message.user
    view = ChatView(message.id, user.id, user.handle, user.name, message.body, at)
    uow.emit(message.room_id, events.ChatPosted.model_validate(view.data()))
    return view


@dataclass(frozen=True, slots=True)
class _RoomFacts:
    id: int
    status: str
    host_id: int
    merchant_id: int
    slow_mode_seconds: int
    blocked_words: str


@dataclass(frozen=True, slots=True)
class _Poster:
    id: int
    handle: str
    name: str


@dataclass(slots=True)
class _Accepted:
    room_id: int
    user: _Poster
    body: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class _Statements:
    """Chat's statements, built once and run as Core: nothing here needs mapped objects,
    and at ~100 messages a second building, cache-keying and loading ORM statements per
    batch took the CPU of the event loop that also writes frames to every viewer."""

    rooms: Executable
    users: Executable
    bans: Executable
    insert: Executable
    # Slow mode only: the room's moderators among the posters, and their last posts.
    moderators: Executable
    last_posts: Executable


@cache
def _statements() -> _Statements:
    rooms: BindParameter[list[int]] = bindparam("rooms", expanding=True)
    users: BindParameter[list[int]] = bindparam("users", expanding=True)
    now = bindparam("now", type_=UTCDateTime())
    return _Statements(
        rooms=select(
            Room.id,
            Room.status,
            Room.host_id,
            Room.merchant_id,
            Room.slow_mode_seconds,
            Room.blocked_words,
        ).where(Room.id.in_(rooms)),
        users=select(User.id, User.handle, User.display_name).where(User.id.in_(users)),
        bans=select(RoomBan.room_id, RoomBan.user_id, RoomBan.until).where(
            RoomBan.room_id.in_(rooms),
            RoomBan.user_id.in_(users),
            or_(RoomBan.until.is_(None), RoomBan.until > now),
        ),
        # Ids come back in the order of the rows given, whatever the dialect batches.
        insert=insert(ChatMessage).returning(ChatMessage.id, sort_by_parameter_order=True),
        moderators=select(RoomModerator.room_id, RoomModerator.user_id).where(
            RoomModerator.room_id.in_(rooms), RoomModerator.user_id.in_(users)
        ),
        last_posts=select(
            ChatMessage.room_id, ChatMessage.user_id, func.max(ChatMessage.created_at)
        )
        .where(ChatMessage.room_id.in_(rooms), ChatMessage.user_id.in_(users))
        .group_by(ChatMessage.room_id, ChatMessage.user_id),
    )


@dataclass
class _Facts:
    rooms: dict[int, _RoomFacts]
    users: dict[int, _Poster]
    restrictions: dict[tuple[int, int], datetime | None]
    moderators: set[tuple[int, int]]
    last_post: dict[tuple[int, int], datetime]
    now: datetime

    @classmethod
    async def load(cls, conn: AsyncConnection, requests: Sequence[ChatRequest]) -> _Facts:
        ids = {
            "rooms": list({r.room_id for r in requests}),
            "users": list({r.caller.user_id for r in requests}),
        }
        now = utcnow()
        q = _statements()
        rooms = {row[0]: _RoomFacts(*row) for row in await conn.execute(q.rooms, ids)}
        users = {row[0]: _Poster(*row) for row in await conn.execute(q.users, ids)}
        bans = await conn.execute(q.bans, {**ids, "now": now})
        restrictions = {(room_id, user_id): until for room_id, user_id, until in bans}
        facts = cls(rooms, users, restrictions, set(), {}, now)
        slow = {room_id for room_id, room in rooms.items() if room.slow_mode_seconds > 0}
        if slow:
            await facts._load_slow_mode(conn, {"rooms": list(slow), "users": ids["users"]})
        return facts

    async def _load_slow_mode(self, conn: AsyncConnection, ids: dict[str, list[int]]) -> None:
        q = _statements()
        pairs = await conn.execute(q.moderators, ids)
        self.moderators = {(room_id, user_id) for room_id, user_id in pairs}
        for room_id, user_id, at in await conn.execute(q.last_posts, ids):
            if at.tzinfo is None:  # func.max bypasses the column type on some dialects
                at = at.replace(tzinfo=self.now.tzinfo)
            self.last_post[(room_id, user_id)] = at

    def try_check(self, request: ChatRequest) -> _Accepted | DomainError:
        try:
            return self._check(request)
        except DomainError as refusal:
            return refusal

    def _check(self, request: ChatRequest) -> _Accepted:
        """The rules, cheapest first; raises the refusal, else the message to insert."""
        text = clean_body(request.body)
        room = self.rooms.get(request.room_id)
        if room is None:
            raise NotFound(f"room {request.room_id} not found")
        if room.status == "ended":
            raise RoomEnded("the room has ended")
        who = request.caller
        key = (room.id, who.user_id)
        if key in self.restrictions:
            until_at = self.restrictions[key]
            until = until_at.isoformat() if until_at else "the end of the show"
            raise Muted(f"you may not chat in this room until {until}", until=until_at)
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
        return _Accepted(room.id, user, text)

    def _privileged(self, room: _RoomFacts, who: Principal) -> bool:
        if runs_room(room, who.user_id, who.role):
            return True
        return (room.id, who.user_id) in self.moderators

    def _check_slow_mode(self, room: _RoomFacts, user_id: int) -> None:
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
