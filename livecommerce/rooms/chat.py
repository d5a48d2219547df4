"""Room chat (弹幕): post a message, read the recent ones.

Rules, checked in order of cost: length, room state, the poster's mute or ban, blocked
words, slow mode. The per-user rate limit is the caller's job (it needs the shared rate
limiter, not the database). A posted message reaches viewers as ``chat.posted`` after
the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import BlockedWord, InvalidInput, PermissionDenied, RateLimited
from livecommerce.rooms.moderation import active_restriction, is_privileged
from livecommerce.rooms.service import load_room
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import ChatMessage, Room, User, utcnow

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


async def post_message(uow: UnitOfWork, *, caller: Principal, room_id: int, body: str) -> ChatView:
    text = clean_body(body)
    session = uow.session
    room = await load_room(session, room_id)
    if room.status == "ended":
        raise InvalidInput("the room has ended")
    restriction = await active_restriction(session, room_id, caller.user_id)
    if restriction is not None:
        until = restriction.until.isoformat() if restriction.until else "the end of the show"
        raise PermissionDenied(f"you may not chat in this room until {until}")
    folded = text.casefold()
    if any(word in folded for word in blocked_words(room)):
        raise BlockedWord("the message contains a word this room does not allow")
    if room.slow_mode_seconds > 0 and not await is_privileged(session, room, caller):
        await _check_slow_mode(session, room, caller.user_id)
    user = await session.get(User, caller.user_id)
    if user is None:
        raise PermissionDenied("unknown user")
    message = ChatMessage(room_id=room_id, user_id=user.id, body=text, created_at=utcnow())
    session.add(message)
    await session.flush()
    view = ChatView(message.id, user.id, user.handle, user.display_name, text, message.created_at)
    uow.publish_after_commit(room_id, "chat.posted", view.as_dict())
    return view


async def _check_slow_mode(session: AsyncSession, room: Room, user_id: int) -> None:
    last = await session.scalar(
        select(func.max(ChatMessage.created_at)).where(
            ChatMessage.room_id == room.id, ChatMessage.user_id == user_id
        )
    )
    if last is None:
        return
    if last.tzinfo is None:  # func.max bypasses the column type on some dialects
        last = last.replace(tzinfo=utcnow().tzinfo)
    wait = room.slow_mode_seconds - (utcnow() - last).total_seconds()
    if wait > 0:
        raise RateLimited(f"slow mode: one message per {room.slow_mode_seconds}s", retry_after=wait)


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
