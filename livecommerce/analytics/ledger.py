"""The node's side of the show ledger: count in memory, write once per interval.

Joining, leaving and the client's beacons only touch this object's dicts (no I/O, no
await), so counting costs the fan-out nothing but a few dictionary operations. A
supervised loop (:meth:`Ledger.run`) writes what piled up every ``flush_seconds`` in
one transaction: the raw rows (watch sessions, timeline events, one row per
room x kind x product for the client counters) and their per-minute rollup.

A node that dies loses at most one interval of viewer counters; order rows are not
counted here but written with the order's own transaction (``orders.funnel``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count as counter
from typing import Any

from sqlalchemy import select

from livecommerce.analytics import kinds, rollup
from livecommerce.events.base import Emitted
from livecommerce.metrics import LedgerHealth
from livecommerce.orders.funnel import show_clock
from livecommerce.storage import ledger_rollup
from livecommerce.storage.db import Database, EventSink
from livecommerce.storage.models import Room, RoomProduct, utcnow
from livecommerce.supervisor import Stopped, pause

log = logging.getLogger(__name__)

MAX_PENDING_ROWS = 500_000
"""Past this many unwritten rows (the database is down for long), new ones are dropped
and counted in ``dropped``: memory is bounded, and the loss is logged, not hidden."""

ViewerCount = Callable[[int], Awaitable[int]]


@dataclass(slots=True)
class _Session:
    room_id: int
    viewer: str
    joined: datetime


class Ledger:
    def __init__(
        self,
        db: Database,
        *,
        enabled: bool = True,
        flush_seconds: float = 5.0,
        salt: str = "",
        viewers: ViewerCount | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.enabled = enabled
        self.flush_seconds = flush_seconds
        self._salt = salt.encode()
        self.viewers = viewers
        self._clock = clock
        self._ids = counter(1)
        self._sessions: dict[int, _Session] = {}
        # Open sessions per room: the sample each flush takes is per room, and walking
        # every session (10,000 in a big room) each time cost the loop a pause.
        self._open: dict[int, int] = {}
        self._rows: list[dict[str, Any]] = []
        self._counts: dict[tuple[int, str, int], int] = {}
        self.dropped = 0
        self.flush_failures = 0

    # --- counting (no I/O) --------------------------------------------------------
    def joined(self, room_id: int, identity: str) -> int:
        """A watch session began; the token to pass to :meth:`left` (0 when off)."""
        if not self.enabled:
            return 0
        token = next(self._ids)
        session = _Session(room_id, self.viewer_name(identity), self._clock())
        self._sessions[token] = session
        self._open[room_id] = self._open.get(room_id, 0) + 1
        self._append(_row(room_id, kinds.JOINED, session.joined, viewer=session.viewer))
        return token

    def left(self, token: int) -> None:
        session = self._sessions.pop(token, None)
        if session is None:
            return
        if (still := self._open[session.room_id] - 1) > 0:
            self._open[session.room_id] = still
        else:
            del self._open[session.room_id]
        now = self._clock()
        watched = max(0, int((now - session.joined).total_seconds() * 1000))
        row = _row(session.room_id, kinds.LEFT, now, viewer=session.viewer, value_ms=watched)
        self._append(row)

    def end_room(self, room_id: int) -> None:
        """The show ended: its open sessions end now, so no watch time runs past the end
        (a viewer may keep the ended room open)."""
        if room_id not in self._open:
            return
        for token in [t for t, s in self._sessions.items() if s.room_id == room_id]:
            self.left(token)

    def heard(self, event_type: str, room_id: int) -> None:
        """A room event this node's sockets got: the show's end ends the sessions open
        here (the node that ended it has ended its own already)."""
        if event_type == "room.ended":
            self.end_room(room_id)

    def count(self, room_id: int, kind: str, product_id: int, n: int) -> None:
        """Add ``n`` client counts (impressions, clicks, sheet opens) of one product."""
        if self.enabled and n > 0:
            key = (room_id, kind, product_id)
            self._counts[key] = self._counts.get(key, 0) + n

    def note(self, events: Sequence[Emitted]) -> None:
        """Keep the committed room events that belong on the show's timeline."""
        if not self.enabled:
            return
        for event in events:
            if event.type in kinds.TIMELINE_TYPES and event.user_id is None:
                self._append(_timeline_row(event, self._clock()))

    def health(self) -> LedgerHealth:
        pending = len(self._rows) + len(self._counts)
        return LedgerHealth(pending, self.dropped, self.flush_failures)

    def tap(self, sink: EventSink) -> EventSink:
        """``sink`` with committed events noted on their way to it."""
        return _Tap(self, sink)

    def viewer_name(self, identity: str) -> str:
        """User ids as they are; anonymous addresses hashed (the ledger keeps no IPs)."""
        if identity.startswith("u:"):
            return identity
        digest = hashlib.blake2b(identity.encode(), key=self._salt[:64], digest_size=8)
        return f"a:{digest.hexdigest()}"

    def _append(self, row: dict[str, Any]) -> None:
        if len(self._rows) >= MAX_PENDING_ROWS:
            self.dropped += 1
            return
        self._rows.append(row)

    # --- writing ------------------------------------------------------------------
    async def run(self) -> None:
        """Flush every interval until the app stops, then once more."""
        try:
            while True:
                await pause(self.flush_seconds)
                await self.flush_logged(sample=True)
        except Stopped:
            await self.flush_logged(sample=False)
            raise

    async def close(self) -> None:
        """End the sessions still open (the node is going away) and write everything."""
        for token in list(self._sessions):
            self.left(token)
        await self.flush_logged(sample=False)

    async def flush_logged(self, *, sample: bool) -> None:
        try:
            await self.flush(sample=sample)
        except Exception:
            self.flush_failures += 1
            log.exception("ledger flush failed; its rows wait for the next one")

    async def flush(self, *, sample: bool = True) -> int:
        """Write the rows and counts gathered since the last flush; how many rows."""
        if sample:
            await self._sample()
        rows, self._rows = self._rows, []
        counts, self._counts = self._counts, {}
        if not rows and not counts:
            return 0
        try:
            return await self._write(rows, counts)
        except BaseException:
            self._requeue(rows, counts)
            raise

    async def _sample(self) -> None:
        if self.viewers is None:
            return
        now = self._clock()
        for room_id in list(self._open):
            viewers = await self.viewers(room_id)
            self._append(_row(room_id, kinds.SAMPLED, now, count=viewers))

    def _requeue(self, rows: list[dict[str, Any]], counts: dict[tuple[int, str, int], int]) -> None:
        self._rows[:0] = rows[: MAX_PENDING_ROWS - len(self._rows)]
        for (room_id, kind, product_id), n in counts.items():
            self.count(room_id, kind, product_id, n)

    async def _write(
        self, rows: list[dict[str, Any]], counts: dict[tuple[int, str, int], int]
    ) -> int:
        now = self._clock()
        rows = list(rows)  # the caller requeues its own list if this fails
        rooms = {r["room_id"] for r in rows} | {key[0] for key in counts}
        async with self.db.unit_of_work() as uow:
            session = uow.session
            started = dict((await session.execute(_starts(rooms))).all())
            shelves = set((await session.execute(_shelves(counts))).all()) if counts else set()
            for (room_id, kind, product_id), n in counts.items():
                if (room_id, product_id) in shelves:  # the client named a real shelf item
                    rows.append(_row(room_id, kind, now, product_id=product_id, count=n))
            rows = [r for r in rows if r["room_id"] in started]
            for row in rows:
                row["elapsed_ms"], row["minute"] = show_clock(started[row["room_id"]], row["at"])
            await ledger_rollup.append(session, rows, rollup.fold(rows), kinds.firsts)
        return len(rows)


def _starts(rooms: Iterable[int]) -> Any:
    return select(Room.id, Room.started_at).where(Room.id.in_(list(rooms)))


def _shelves(counts: dict[tuple[int, str, int], int]) -> Any:
    pairs = {(room_id, product_id) for room_id, _, product_id in counts}
    rooms = {room_id for room_id, _ in pairs}
    return select(RoomProduct.room_id, RoomProduct.product_id).where(
        RoomProduct.room_id.in_(list(rooms)),
        RoomProduct.product_id.in_([p for _, p in pairs]),
    )


def _row(room_id: int, kind: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "room_id": room_id, "kind": kind, "at": at, "elapsed_ms": 0, "minute": 0,
        "product_id": None, "sale_id": None, "order_id": None, "viewer": None, "count": 1,
        "amount_cents": 0, "value_ms": 0, "detail": "",
    }  # fmt: skip
    row.update(values)
    return row


def _timeline_row(event: Emitted, at: datetime) -> dict[str, Any]:
    data = dict(event.data)
    sale = data.get("sale") if isinstance(data.get("sale"), dict) else None
    product = data.get("product") if isinstance(data.get("product"), dict) else None
    product_id = (sale or product or {}).get("product_id" if sale else "id")
    return _row(
        event.room_id, event.type, at,
        product_id=product_id if isinstance(product_id, int) else None,
        sale_id=sale.get("id") if sale else None,
        detail=json.dumps(data, ensure_ascii=False, default=str)[:4000],
    )  # fmt: skip


class _Tap:
    def __init__(self, ledger: Ledger, sink: EventSink) -> None:
        self._ledger = ledger
        self._sink = sink

    async def deliver(self, events: Sequence[Emitted]) -> None:
        await self._sink.deliver(events)
        self._ledger.note(events)
        ended = [e.room_id for e in events if e.type == "room.ended"]
        if self._ledger.enabled and ended:
            for room_id in ended:
                self._ledger.end_room(room_id)
            # The report opens as the show ends: write its last interval (the end, the
            # deals it closed, the sessions it ended) now rather than an interval later.
            await self._ledger.flush_logged(sample=False)
