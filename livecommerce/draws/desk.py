"""This node's part of the open draws: keyword entries from chat, presence and watch
time from its own sockets, and closing draws when they are due.

The chat hook (:meth:`DrawDesk.on_chat`) is a dictionary lookup and a set insert; the
entries reach the shared store in one batch per room every ``FLUSH`` seconds, so a
room's chat rate costs the store a few writes a second, never one per message, and
never a database write. The close waits ``CLOSE_GRACE`` past ``closes_at`` so that
every node's last batch is in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from livecommerce.draws.entries import DrawRef, Entries
from livecommerce.draws.lifecycle import Condition, DrawStatus
from livecommerce.draws.service import keyword_of
from livecommerce.storage.db import Database
from livecommerce.storage.models import Draw

FLUSH = 0.25
BEAT = 2.0
"""How often a node reports who is in its rooms with an open draw."""
PRESENT_WINDOW = 3.0
"""Seen within this many seconds before the close (the last beat is at the close): present."""
CLOSE_GRACE = 1.0
REFRESH = 1.0
PASS_ON_EVERY = 30.0


@dataclass(frozen=True, slots=True)
class OpenDraw:
    ref: DrawRef
    condition: str
    keyword: str
    closes_at: float


class DrawDesk:
    def __init__(
        self,
        db: Database,
        entries: Entries,
        local_users: Callable[[int], set[int]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.entries = entries
        self._local_users = local_users
        self.clock = clock
        self._open: dict[int, OpenDraw] = {}
        self._pending: dict[DrawRef, set[int]] = {}
        self._beats: dict[DrawRef, float] = {}
        self._final: set[DrawRef] = set()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def learn(self, draw: Draw) -> None:
        """Know of an open draw now (the node that started it does not wait a refresh)."""
        ref = DrawRef(draw.room_id, draw.id)
        keyword = keyword_of(draw.keyword) if draw.condition == Condition.KEYWORD else ""
        self._open[draw.room_id] = OpenDraw(
            ref, draw.condition, keyword, draw.closes_at.timestamp()
        )

    def open_draw(self, room_id: int) -> OpenDraw | None:
        return self._open.get(room_id)

    def on_chat(self, room_id: int, user_id: int, body: str) -> None:
        """A message was posted (its poster passed the mute and ban checks)."""
        draw = self._open.get(room_id)
        if draw is None or not draw.keyword or self.clock() >= draw.closes_at:
            return
        if keyword_of(body) == draw.keyword:
            self._pending.setdefault(draw.ref, set()).add(user_id)

    async def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, {}
            await self.entries.enter(batch)

    async def beat(self) -> None:
        """Report who is in each local room with an open draw, and for how long."""
        now = self.clock()
        for draw in list(self._open.values()):
            ref = draw.ref
            if ref in self._final:
                continue
            last = self._beats.get(ref)
            due = last is None or now - last >= BEAT or now >= draw.closes_at
            if not due:
                continue
            at = min(now, draw.closes_at)
            seconds = round(min(at - last, 2 * BEAT)) if last is not None else 0
            self._beats[ref] = now
            if now >= draw.closes_at:
                self._final.add(ref)
            users = self._local_users(ref.room_id)
            if users:
                await self.entries.seen(ref, users, at=at, seconds=max(seconds, 0))

    async def refresh(self) -> None:
        """Learn the open draws from the database (started or closed on other nodes)."""
        async with self.db.read() as session:
            rows = list(await session.scalars(select(Draw).where(Draw.status == DrawStatus.OPEN)))
        self._open = {}
        for draw in rows:
            self.learn(draw)
        live = {d.ref for d in self._open.values()}
        self._beats = {r: t for r, t in self._beats.items() if r in live}
        self._final &= live

    def due(self) -> list[DrawRef]:
        now = self.clock()
        return [d.ref for d in self._open.values() if now >= d.closes_at + CLOSE_GRACE]

    def forget(self, ref: DrawRef) -> None:
        if (draw := self._open.get(ref.room_id)) is not None and draw.ref == ref:
            del self._open[ref.room_id]
        self._beats.pop(ref, None)
        self._final.discard(ref)
