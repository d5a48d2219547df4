"""``WS /ws/rooms/{room_id}``: the room's live events, chat, likes, clock and moderation.

Join with ``?since=SEQ`` to resume (replay when the log still holds it, else a
``room.snapshot``). Watching is anonymous; chat, likes and moderation need a token
(session cookie, or ``?token=`` for non-browser clients).

Client messages: ``{"type", "data", "ref"?}``. Answers to one socket (``ack``,
``chat.accepted``, ``time.synced``, ``error``, ``ping``; ``analytics.beacon`` gets none)
carry ``seq: null``; only room
events are sequenced. Close codes: 4008 resume (you fell behind or the server missed
events: reconnect with ``?since=``), 4009 server going away, 1009 message too big, 4429
flood or too many sockets from one client, 1013 try again later, and the 44xx codes of
``routes.errors`` for a refused join.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from contextlib import ExitStack
from functools import partial
from typing import Any

from fastapi import APIRouter, WebSocket

from livecommerce.accounts.tokens import Principal
from livecommerce.analytics import beacon
from livecommerce.errors import (
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from livecommerce.hub.fanout import Member
from livecommerce.resources import Resources
from livecommerce.rooms import commands as rooms
from livecommerce.rooms import moderation
from livecommerce.rooms.service import load_room
from livecommerce.routes._fields import MAX_ROW_ID
from livecommerce.routes._ws_connection import (
    Command,
    Connection,
    SocketQuota,
    error_frame,
    origin_allowed,
)
from livecommerce.routes.client_address import client_address
from livecommerce.routes.deps import SESSION_COOKIE
from livecommerce.sales.snapshot import room_snapshot

log = logging.getLogger(__name__)
router = APIRouter(tags=["realtime"])

CHAT_LIMIT, CHAT_WINDOW = 5, 10.0  # messages per user per room per window (seconds)
MAX_LIKES_PER_MESSAGE = 50
# 1013 "try again later": a dependency failed during the join.
CLOSE_TRY_AGAIN = 1013


async def principal_of(websocket: WebSocket, resources: Resources) -> Principal | None:
    """Who the socket's unrevoked token names: an explicit bad or revoked ``?token=`` is an
    error; a bad or revoked cookie is no cookie (the viewer watches anonymously)."""
    revocations = resources.revocations
    token = websocket.query_params.get("token")
    if token is not None:
        claims = resources.tokens.read(token)
        await revocations.check(claims)
        return claims.principal
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        claims = resources.tokens.read(cookie)
        await revocations.check(claims)
    except NotAuthenticated:
        return None
    return claims.principal


def parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    # ASCII only: str.isdigit() also takes "²" and "١٢", which are no seq.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InvalidInput("since must be a non-negative integer")
    return int(raw)


async def admit(resources: Resources, room_id: int, who: Principal | None) -> bool:
    """Check the room exists and the user is not banned; True for host and moderators."""
    if not 0 < room_id <= MAX_ROW_ID:  # no row has it; PostgreSQL would refuse the query
        raise NotFound(f"room {room_id} not found")
    async with resources.db.read() as session:
        room = await load_room(session, room_id)
        if who is None:
            return False
        if await moderation.active_restriction(session, room_id, who.user_id, kind="ban"):
            raise PermissionDenied("you are banned from this room")
        return await moderation.is_privileged(session, room, who)


@router.websocket("/ws/rooms/{room_id}")
async def room_socket(websocket: WebSocket, room_id: int) -> None:
    resources: Resources = websocket.app.state.resources
    if not origin_allowed(websocket, resources):
        await websocket.close(code=4403, reason="origin not allowed")
        return
    await websocket.accept()
    commands = RoomCommands(resources, room_id)
    connection = Connection(websocket, resources, commands.table())
    with ExitStack() as quotas:
        try:
            member = await _join(websocket, resources, commands, connection, quotas)
        except DomainError as exc:
            connection.close_for(exc)
            await connection.serve()
            return
        except Exception:
            # A dependency failed (Redis, database): this viewer retries; nobody else notices.
            log.exception("room %s: join failed", room_id)
            connection.close(CLOSE_TRY_AGAIN, "try again", error_frame("unavailable", "try again"))
            await connection.serve()
            return
        await _serve_member(resources, connection, member, commands.identity)


async def _serve_member(
    resources: Resources, connection: Connection, member: Member, identity: str
) -> None:
    resources.metrics.ws_connections.inc()
    if (heap := resources.heap) is not None:
        heap.note_opened()
    watching = resources.ledger.joined(member.room_id, identity)
    try:
        await connection.serve()
    finally:
        resources.ledger.left(watching)
        resources.hub.detach(member)
        resources.metrics.ws_connections.dec()
        if heap is not None:
            heap.note_closed()


async def _join(
    websocket: WebSocket,
    resources: Resources,
    commands: RoomCommands,
    connection: Connection,
    quotas: ExitStack,
) -> Member:
    """Count the socket against its client's quotas, authenticate, check the room and
    the ban list, then join the hub (snapshot or replay first)."""
    settings = resources.settings
    address = client_address(websocket, settings)
    quotas.enter_context(_quota(websocket).hold(f"address:{address}", settings.ws_per_address))
    commands.who = who = await principal_of(websocket, resources)
    if who is not None:
        quotas.enter_context(_quota(websocket).hold(f"user:{who.user_id}", settings.ws_per_user))
    since = parse_since(websocket.query_params.get("since"))
    privileged = await admit(resources, commands.room_id, who)
    commands.identity = f"u:{who.user_id}" if who else f"ip:{address}"
    return await resources.hub.join(
        commands.room_id,
        connection.sink,
        since=since,
        snapshot=commands.snapshot,
        privileged=privileged,
        identity=commands.identity,
        user_id=who.user_id if who else None,
    )


def _quota(websocket: WebSocket) -> SocketQuota:
    """The app's count of open room sockets per client, made on first use."""
    state = websocket.app.state
    quota: SocketQuota | None = getattr(state, "ws_quota", None)
    if quota is None:
        quota = state.ws_quota = SocketQuota()
    return quota


class RoomCommands:
    """What a client may ask on the room socket, one method per message type."""

    def __init__(self, resources: Resources, room_id: int) -> None:
        self.resources = resources
        self.room_id = room_id
        self.who: Principal | None = None
        self.identity = ""
        self._last_beacon = -math.inf

    def table(self) -> dict[str, Command]:
        return {
            "chat.send": self.chat_send,
            "like.send": self.like_send,
            "time.sync": self.time_sync,
            beacon.MESSAGE_TYPE: self.analytics_beacon,
            "moderation.mute": self.mute,
            "moderation.ban": self.ban,
            "moderation.delete": self.delete,
            "moderation.slow_mode": self.slow_mode,
            "moderation.blocked_words": self.blocked_words,
        }

    async def snapshot(self, seq: int) -> Mapping[str, Any]:
        hub = self.resources.hub
        stats = await hub.stats(self.room_id)
        shared = await self.resources.snapshots.get(self.room_id, seq, partial(self._build, seq))
        return {
            **shared,
            "viewers": stats.viewers,
            "likes": stats.likes,
            "server_time": hub.server_time_ms(),
        }

    async def _build(self, seq: int) -> Mapping[str, Any]:
        async with self.resources.db.read() as session:
            return await room_snapshot(
                session, self.room_id, seq=seq, viewers=0, likes=0, server_time_ms=0
            )

    def _user(self) -> Principal:
        if self.who is None:
            raise NotAuthenticated("log in to chat, like or moderate")
        return self.who

    async def chat_send(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        who = self._user()
        body = data.get("body")
        if not isinstance(body, str):
            raise InvalidInput("body must be a string")
        subject = f"{self.room_id}:{who.user_id}"
        await self.resources.limiter.hit("chat", subject, limit=CHAT_LIMIT, window=CHAT_WINDOW)
        view = await self.resources.chat.post(who, self.room_id, body)
        # The sender always sees its own message, even when viewers get a chat sample.
        return {"type": "chat.accepted", "data": {"message": view.as_dict()}}

    async def like_send(self, data: Mapping[str, Any]) -> None:
        self._user()
        count = _int(data.get("count", 1), "count", 1, MAX_LIKES_PER_MESSAGE)
        self.resources.hub.add_likes(self.room_id, count)

    async def analytics_beacon(self, data: Mapping[str, Any]) -> None:
        now = time.monotonic()
        wait = self._last_beacon + beacon.MIN_INTERVAL_SECONDS - now
        if wait > 0:
            raise RateLimited("one beacon every 2 seconds at most", retry_after=wait)
        counts = beacon.parse(data)
        self._last_beacon = now
        for item in counts:
            self.resources.ledger.count(self.room_id, item.kind, item.product_id, item.count)

    async def time_sync(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        client_time = data.get("client_time")
        if not isinstance(client_time, int | float) or not math.isfinite(client_time):
            raise InvalidInput("client_time must be a number (ms since the epoch)")
        server_time = self.resources.hub.server_time_ms()
        return {
            "type": "time.synced",
            "data": {"client_time": client_time, "server_time": server_time},
        }

    async def mute(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        return await self._restrict(data, "mute")

    async def ban(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        return await self._restrict(data, "ban")

    async def _restrict(self, data: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
        user = data.get("user")
        if not isinstance(user, int | str) or isinstance(user, bool):
            raise InvalidInput("user must be a user id or handle")
        raw = data.get("seconds")
        seconds = None if raw is None else _int(raw, "seconds", 0, 7 * 86400)
        await rooms.restrict(
            self.resources.db, caller=self._user(), room_id=self.room_id, user=user,
            kind=kind, seconds=seconds,
        )  # fmt: skip
        return {"type": "ack", "data": {}}

    async def delete(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        message_id = _int(data.get("message_id"), "message_id", 1, 2**62)
        await rooms.delete_message(
            self.resources.db, caller=self._user(), room_id=self.room_id, message_id=message_id
        )
        return {"type": "ack", "data": {}}

    async def slow_mode(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        seconds = _int(data.get("seconds"), "seconds", 0, 3600)
        await rooms.set_slow_mode(
            self.resources.db, caller=self._user(), room_id=self.room_id, seconds=seconds
        )
        return {"type": "ack", "data": {}}

    async def blocked_words(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        words = data.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise InvalidInput("words must be a list of strings")
        await rooms.set_blocked_words(
            self.resources.db, caller=self._user(), room_id=self.room_id, words=words
        )
        return {"type": "ack", "data": {}}


def _int(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(f"{name} must be an integer from {low} to {high}")
    return value
