"""Local fan-out: this node's sockets per room, coalescing and chat sampling.

Events reach a room one by one; the room sends the first at once and gathers the rest
into one frame per tick, so a viewer gets a bounded number of frames per second however
busy the room is. The tick grows with the room so that the node's writes per second to
it stay bounded too. Each frame is built once (twice when chat is sampled: the full one for
the host and moderators, the sampled one for viewers) and offered to every sink.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from livecommerce.hub.event import Event, frame_of
from livecommerce.hub.outbox import CLOSE_BANNED, CLOSE_RESUME, Sink


@dataclass(eq=False, slots=True)
class Member:
    """One sink in one room. While ``held`` is a list the member is joining: live events
    wait there until the replay or snapshot has been sent (see :meth:`Room.release`)."""

    room_id: int
    sink: Sink
    privileged: bool
    # The logged-in user behind the sink, so a ban can close their sockets at once.
    user_id: int | None = None
    banned: bool = False
    held: list[Event] | None = field(default_factory=list)
    # Index (in the room's delivery count) of the first pending event this member gets.
    start: int = 0


@dataclass(frozen=True, slots=True)
class _Batch:
    """One flush: its events, and its frames built once (``others`` on demand)."""

    pending: Sequence[tuple[Event, bool]]
    first: int
    common: bytes | None
    others: dict[tuple[bool, int], bytes | None]


@dataclass(frozen=True, slots=True)
class Tunables:
    tick: float = 0.05
    # Frames per second written to one room's sockets on this node. Each write is a
    # syscall (~10 us on loopback), so a 10,000-viewer room at the base tick would ask
    # for 200,000 writes a second; bigger rooms wait longer between frames instead.
    # Zero means no budget.
    frames_per_second: int = 25_000
    # Chat events per second a viewer sees at most; the host and moderators see all.
    viewer_chat_rate: int = 20
    # Sockets offered a frame per event-loop turn.
    chunk: int = 500
    overflow_reason: str = "too slow, resume with ?since="


class Room:
    def __init__(self, room_id: int, tunables: Tunables, clock: Callable[[], float]) -> None:
        self.room_id = room_id
        self.members: dict[Sink, Member] = {}
        # Indexes over members, so a room event does not walk every socket to find the
        # few still joining, and a buyer's private event does not walk the room.
        self._joining: set[Member] = set()
        self._by_user: dict[int, set[Member]] = {}
        self.last_seq: int | None = None
        self._t = tunables
        self._clock = clock
        # Pending events with whether viewers get them, and the delivery index of the first.
        self._pending: list[tuple[Event, bool]] = []
        self._first = 0
        self._delivered = 0
        self._last_flush = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        # True while a flush is offering its frame chunk by chunk; the next one waits,
        # so every socket gets frames in order.
        self._flushing = False
        self._chat_window = 0
        self._chat_seen = 0
        self._chat_shown = 0
        self._chat_stride = 1
        self.dropped = 0
        # The latest counter events, so a member joining by replay gets the counts too.
        self.counters: dict[str, Event] = {}

    # --- membership ------------------------------------------------------------
    def attach(self, sink: Sink, privileged: bool, user_id: int | None = None) -> Member:
        previous = self.members.get(sink)
        if previous is not None:
            self._remove(previous)
        member = Member(self.room_id, sink, privileged, user_id)
        self.members[sink] = member
        self._joining.add(member)
        if user_id is not None:
            self._by_user.setdefault(user_id, set()).add(member)
        return member

    def release(self, member: Member, after_seq: int) -> None:
        """End the join: send held events newer than ``after_seq``, then go live."""
        held, member.held = member.held or [], None
        self._joining.discard(member)
        member.start = self._delivered
        if self.last_seq is None:
            # Gaps are detected against last_seq: start from what this member has seen.
            self.last_seq = after_seq
        fresh = [e for e in held if e.seq > after_seq and e.type not in UNSEQUENCED]
        fresh += self.counters.values()
        visible = [e for e in fresh if member.privileged or not e.sampled]
        if visible and not member.sink.offer(frame_of(visible)):
            self._overflow(member)
        elif member.banned:
            self._remove(member)
            member.sink.close(CLOSE_BANNED, "banned from this room")

    def detach(self, sink: Sink) -> Member | None:
        member = self.members.get(sink)
        if member is not None:
            self._remove(member)
        return member

    def _remove(self, member: Member) -> None:
        if self.members.get(member.sink) is not member:
            return
        del self.members[member.sink]
        self._joining.discard(member)
        if member.user_id is not None:
            mine = self._by_user.get(member.user_id, set())
            mine.discard(member)
            if not mine:
                self._by_user.pop(member.user_id, None)

    # --- delivery --------------------------------------------------------------
    def deliver(self, event: Event) -> None:
        if event.type in UNSEQUENCED:
            self.counters[event.type] = event
        else:
            self.last_seq = event.seq
        for member in self._joining:
            if member.held is not None:
                member.held.append(event)
        banned = _banned_user(event)
        for member in self._by_user.get(banned, ()) if banned is not None else ():
            member.banned = True
        if not self._pending:
            self._first = self._delivered
        self._pending.append((event, self._shown_to_viewers(event)))
        self._delivered += 1
        self._schedule()

    def deliver_private(self, user_id: int, payload: bytes) -> None:
        """Offer ``payload`` to this user's live sockets only, at once (not coalesced)."""
        for member in list(self._by_user.get(user_id, ())):
            if member.held is None and not member.sink.offer(payload):
                self._overflow(member)

    def flush(self) -> None:
        self._timer = None
        if self._flushing or not self._pending:
            return
        pending, first = self._pending, self._first
        self._pending = []
        self._last_flush = self._clock()
        # Most members are viewers who were live before the first pending event: they
        # all get one frame, built once, in the tight loop of _send. The rest (host and
        # moderators, members who went live mid-batch, the banned) take the slow path.
        batch = _Batch(pending, first, _frame(pending, False), {})
        members = [m for m in self.members.values() if m.held is None]
        self._flushing = True
        self._send(batch, members, 0)

    def _send(self, batch: _Batch, members: list[Member], start: int) -> None:
        """Offer the batch to ``members[start:]``, a chunk per event-loop turn.

        A socket write is a syscall; 10,000 of them in one go held the loop for over
        100 ms, and everything else the node does (chat, orders) waited behind them.
        """
        end = start + self._t.chunk
        refused: list[Member] = []
        current = self.members
        for member in members[start:end]:
            if current.get(member.sink) is not member:
                continue  # left (or was dropped) since the flush began
            if member.privileged or member.start > batch.first or member.banned:
                self._offer_other(member, batch)
            elif batch.common is not None and not member.sink.offer(batch.common):
                refused.append(member)
        for member in refused:
            self._overflow(member)
        if end < len(members):
            asyncio.get_running_loop().call_soon(self._send, batch, members, end)
            return
        self._flushing = False
        if self._pending:
            self._schedule()

    def _offer_other(self, member: Member, batch: _Batch) -> None:
        cut = max(member.start - batch.first, 0)
        key = (member.privileged, cut)
        frames = batch.others
        if key not in frames:
            frames[key] = _frame(batch.pending[cut:], member.privileged)
        frame = frames[key]
        if frame is not None and not member.sink.offer(frame):
            self._overflow(member)
        elif member.banned:
            # After the frame that tells them, so the client can say why.
            self._remove(member)
            member.sink.close(CLOSE_BANNED, "banned from this room")

    def close(self, code: int, reason: str) -> None:
        for member in list(self.members.values()):
            member.sink.close(code, reason)
        self.members.clear()
        self._joining.clear()
        self._by_user.clear()
        if self._timer is not None:
            self._timer.cancel()

    # --- internals -------------------------------------------------------------
    def _schedule(self) -> None:
        if self._timer is not None or self._flushing:
            return  # a flush in progress schedules the next when it ends
        tick, budget = self._t.tick, self._t.frames_per_second
        if budget:
            tick = max(tick, len(self.members) / budget)
        wait = self._last_flush + tick - self._clock()
        if wait <= 0:
            # Idle room: no reason to make the first event wait a tick.
            self.flush()
        else:
            self._timer = asyncio.get_running_loop().call_later(wait, self.flush)

    def _shown_to_viewers(self, event: Event) -> bool:
        """Sample chat evenly once the room passes the viewer chat rate."""
        if not event.sampled:
            return True
        window = int(self._clock())
        if window != self._chat_window:
            rate = self._chat_seen if window == self._chat_window + 1 else 0
            self._chat_stride = max(1, math.ceil(rate / max(self._t.viewer_chat_rate, 1)))
            self._chat_window, self._chat_seen, self._chat_shown = window, 0, 0
        self._chat_seen += 1
        if self._chat_shown >= self._t.viewer_chat_rate:
            return False
        if (self._chat_seen - 1) % self._chat_stride:
            return False
        self._chat_shown += 1
        return True

    def _overflow(self, member: Member) -> None:
        self._remove(member)
        self.dropped += 1
        member.sink.close(CLOSE_RESUME, self._t.overflow_reason)


# Counter events: aggregated, not in the log, carrying the room's latest seq.
UNSEQUENCED = frozenset({"viewers.count", "likes.count"})


def _banned_user(event: Event) -> int | None:
    if event.type != "moderation.banned":
        return None
    user = event.data.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, int) else None


def _frame(pending: Sequence[tuple[Event, bool]], privileged: bool) -> bytes | None:
    events = [event for event, shown in pending if privileged or shown]
    return frame_of(events) if events else None


def monotonic() -> float:
    return time.monotonic()
