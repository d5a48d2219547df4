"""Chat moderation: mute, ban, delete a message, slow mode, blocked words.

The room's host, merchant, admins and moderators moderate; nobody can mute or ban one of
them. Every action reaches viewers as an event after the commit, so clients hide a
deleted message or show "slow mode: 10 s" without polling.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.rooms import events
from livecommerce.rooms.service import (
    is_moderator,
    load_room,
    require_manager,
    runs_room,
    user_ref,
)
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import ChatMessage, Room, RoomBan, User, utcnow

MAX_RESTRICTION_SECONDS = 7 * 86400
MAX_SLOW_MODE_SECONDS = 600
MAX_BLOCKED_WORDS, MAX_WORD = 200, 40


async def is_privileged(session: AsyncSession, room: Room, caller: Principal) -> bool:
    """Host, merchant, admin or moderator: sees all chat and may moderate."""
    if runs_room(room, caller.user_id, caller.role):
        return True
    return await is_moderator(session, room.id, caller.user_id)


async def active_restriction(
    session: AsyncSession, room_id: int, user_id: int, *, kind: str | None = None
) -> RoomBan | None:
    """The user's mute or ban in the room if it still runs (``kind`` narrows it)."""
    query = select(RoomBan).where(
        RoomBan.room_id == room_id,
        RoomBan.user_id == user_id,
        or_(RoomBan.until.is_(None), RoomBan.until > utcnow()),
    )
    if kind is not None:
        query = query.where(RoomBan.kind == kind)
    found: RoomBan | None = await session.scalar(query)
    return found


async def _target(session: AsyncSession, room: Room, user: int | str) -> User:
    query = select(User).where(
        User.id == user if isinstance(user, int) else User.handle == str(user).strip().lower()
    )
    found = await session.scalar(query)
    if found is None:
        raise NotFound(f"user {user!r} not found")
    principal = Principal(found.id, found.handle, found.role)
    if await is_privileged(session, room, principal):
        raise PermissionDenied("the host and moderators cannot be muted or banned")
    return found


async def restrict(
    uow: UnitOfWork, *, caller: Principal, room_id: int, user: int | str, kind: str,
    seconds: int | None,
) -> datetime | None:  # fmt: skip
    """Mute (``kind="mute"``: can watch, cannot chat) or ban (cannot watch or chat) for
    ``seconds``, None meaning for the rest of the show; 0 lifts the restriction."""
    if kind not in ("mute", "ban"):
        raise InvalidInput("kind must be mute or ban")
    if seconds is not None and not 0 <= seconds <= MAX_RESTRICTION_SECONDS:
        raise InvalidInput(f"seconds must be 0-{MAX_RESTRICTION_SECONDS}")
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller, moderators=True)
    target = await _target(session, room, user)
    who = user_ref(target)
    existing = await session.get(RoomBan, (room_id, target.id))
    if seconds == 0:
        if existing is not None:
            await session.delete(existing)
        uow.emit(room_id, events.RestrictionLifted(user=who))
        return None
    until = utcnow() + timedelta(seconds=seconds) if seconds is not None else None
    if existing is None:
        session.add(RoomBan(room_id=room_id, user_id=target.id, until=until, kind=kind))
    else:
        existing.until, existing.kind = until, kind
    event = events.UserMuted if kind == "mute" else events.UserBanned
    uow.emit(room_id, event(user=who, until=until.isoformat() if until else None))
    return until


async def delete_message(
    uow: UnitOfWork, *, caller: Principal, room_id: int, message_id: int
) -> None:
    """Hide a message; it leaves the recent chat of every snapshot and client."""
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller, moderators=True)
    message = await session.get(ChatMessage, message_id)
    if message is None or message.room_id != room_id:
        raise NotFound(f"message {message_id} not found in this room")
    if not message.hidden:
        message.hidden = True
        uow.emit(room_id, events.ChatDeleted(id=message_id))


async def set_slow_mode(uow: UnitOfWork, *, caller: Principal, room_id: int, seconds: int) -> None:
    if not 0 <= seconds <= MAX_SLOW_MODE_SECONDS:
        raise InvalidInput(f"slow mode is 0-{MAX_SLOW_MODE_SECONDS} seconds")
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller, moderators=True)
    room.slow_mode_seconds = seconds
    uow.emit(room_id, events.SlowModeChanged(seconds=seconds))


async def set_blocked_words(
    uow: UnitOfWork, *, caller: Principal, room_id: int, words: list[str]
) -> None:
    """Replace the room's blocked words; the event says how many, not which (showing the
    list to every viewer would advertise it)."""
    cleaned = sorted({w.strip().casefold() for w in words if w.strip()})
    if len(cleaned) > MAX_BLOCKED_WORDS or any(len(w) > MAX_WORD or "\n" in w for w in cleaned):
        raise InvalidInput(f"at most {MAX_BLOCKED_WORDS} words of {MAX_WORD} characters")
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller, moderators=True)
    room.blocked_words = "\n".join(cleaned)
    uow.emit(room_id, events.BlockedWordsChanged(count=len(cleaned)))


async def standing(session: AsyncSession, room: Room, who: Principal | None) -> dict[str, Any]:
    """What the room page knows of its viewer before the socket says anything: whether
    they run the room (and see its audience figures) and whether a ban keeps them out."""
    if who is None:
        return {"runs_room": False, "banned": False, "banned_until": None}
    ban = await active_restriction(session, room.id, who.user_id, kind="ban")
    until = ban.until.isoformat() if ban is not None and ban.until is not None else None
    return {
        "runs_room": runs_room(room, who.user_id, who.role),
        "banned": ban is not None,
        "banned_until": until,
    }
