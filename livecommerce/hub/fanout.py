"""Local fan-out: this node's sockets per room, coalescing and chat sampling.

A room writes to its sockets in sweeps: a chunk of sockets per event-loop turn, each
socket getting in one frame every event since its own last frame. An idle room's first
event goes out at once. While events keep coming the sweep goes round again, paced so
that each chunk of sockets gets a frame at most once per period: the tick, or longer in
a big room, so that the node's writes per second stay within the frame budget.

Why sweeps and not one frame per tick for the whole room: that made an event wait for
the next tick and then for its socket's turn in a flush that itself takes ~100 ms at
10,000 sockets, so the slowest viewers saw it a period plus a flush late. In a sweep an
event waits only for its socket's next turn, at most one period. Sockets visited
together are at the same point, so a frame is built once per chunk (once per room while
nothing new arrives), and twice when chat is sampled: the full frame for the host and
moderators, the sampled one for viewers.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from livecommerce.hub.event import Event, frame_of
from livecommerce.hub.outbox import CLOSE_BANNED, CLOSE_RESUME, Sink
from livecommerce.hub.sampling import ChatSampler


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
    # Delivery index (the room's count of delivered events) of the next event it gets.
    cursor: int = 0


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
    # Sockets offered a frame per event-loop turn: ~1 ms of writes, so a chat message
    # or an order waiting for the loop waits that long, not for the whole room.
    chunk: int = 100
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
        self._sampler = ChatSampler(tunables.viewer_chat_rate, clock)
        # Events some live member has not been sent yet, with whether viewers get them.
        # The first has delivery index _base: a member's are _events[cursor - _base:].
        self._events: list[tuple[Event, bool]] = []
        self._base = 0
        # The sweep: this round's members, the next one's index, the delivery count when
        # the round began, and when each chunk (by position) was last visited.
        self._round: list[Member] = []
        self._next = 0
        self._round_from = 0
        self._visits: list[float] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        # Frames built for the current delivery count, by (privileged, cursor).
        self._frames: dict[tuple[bool, int], bytes | None] = {}
        self._frames_at = 0
        self.dropped = 0
        # The latest counter events, so a member joining by replay gets the counts too.
        self.counters: dict[str, Event] = {}

    @property
    def delivered(self) -> int:
        return self._base + len(self._events)

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
        member.cursor = self.delivered
        if self.last_seq is None:
            # Gaps are detected against last_seq: start from what this member has seen.
            self.last_seq = after_seq
        fresh = [e for e in held if e.seq > after_seq and not e.counter]
        fresh += self.counters.values()
        visible = [e for e in fresh if member.privileged or not (e.sampled or e.privileged)]
        if visible and not member.sink.offer(frame_of(visible)):
            self._overflow(member)
        elif member.banned:
            self._remove(member)
            member.sink.close(CLOSE_BANNED, "banned from this room")

    def users(self) -> set[int]:
        """The logged-in users with a socket here now."""
        return set(self._by_user)

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
        if event.counter:
            self.counters[event.type] = event
        else:
            self.last_seq = event.seq
        for member in self._joining:
            if member.held is not None:
                member.held.append(event)
        self._apply_to_user(event)
        viewers = not event.privileged and self._sampler.shown(event)
        self._events.append((event, viewers))
        if self._timer is None:
            self._schedule(0, at_once=True)  # an idle room: start a round

    def _apply_to_user(self, event: Event) -> None:
        """A ban or a moderator change takes effect on the user's open sockets."""
        audience = event.audience
        if audience is None:
            return
        for member in self._by_user.get(audience.user_id, ()):
            if audience.banned:
                member.banned = True
            if audience.privileged is not None:
                member.privileged = audience.privileged

    def deliver_private(self, user_id: int, payload: bytes) -> None:
        """Offer ``payload`` to this user's live sockets only, at once (not coalesced)."""
        for member in list(self._by_user.get(user_id, ())):
            if member.held is None and not member.sink.offer(payload):
                self._overflow(member)

    def flush(self) -> None:
        """Visit the next chunk now, whatever the pacing says."""
        if self._timer is not None:
            self._timer.cancel()
        self._visit()

    def close(self, code: int, reason: str) -> None:
        for member in list(self.members.values()):
            member.sink.close(code, reason)
        self.members.clear()
        self._joining.clear()
        self._by_user.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- the sweep -------------------------------------------------------------
    def _schedule(self, slot: int, *, at_once: bool = False) -> None:
        """Visit chunk ``slot`` when its period since its last visit is over."""
        period = self._t.tick
        if self._t.frames_per_second:
            period = max(period, len(self.members) / self._t.frames_per_second)
        last = self._visits[slot] if slot < len(self._visits) else -math.inf
        wait = last + period - self._clock()
        loop = asyncio.get_running_loop()
        if wait > 0:
            self._timer = loop.call_later(wait, self._visit)
        elif at_once:
            self._visit()
        else:
            self._timer = loop.call_soon(self._visit)

    def _visit(self) -> None:
        self._timer = None
        if self._next == 0:
            # A round takes the members live now; anyone going live later starts at the
            # delivery count of that moment and is in the next round.
            self._round = [m for m in self.members.values() if m.held is None]
            self._round_from = self.delivered
        start = self._next
        end = start + self._t.chunk
        self._offer_chunk(self._round[start:end])
        slot, now = start // self._t.chunk, self._clock()
        if slot < len(self._visits):
            self._visits[slot] = now
        else:
            self._visits.append(now)
        if end < len(self._round):
            self._next = end
            self._schedule(slot + 1)
            return
        self._end_round()

    def _end_round(self) -> None:
        # Every live member is now at or past _round_from: older events are sent.
        del self._events[: self._round_from - self._base]
        self._base = self._round_from
        self._round, self._next = [], 0
        if self._events:
            self._schedule(0)  # events arrived during the round: go round again

    def _offer_chunk(self, members: Sequence[Member]) -> None:
        delivered = self.delivered
        current = self.members
        refused: list[Member] = []
        # Viewers of a chunk were visited together last time: one frame for them all.
        last_cursor, frame = -1, None
        for member in members:
            cursor = member.cursor
            if cursor >= delivered or current.get(member.sink) is not member:
                continue  # nothing new, or left since the round began
            member.cursor = delivered
            if member.privileged or member.banned:
                self._offer_other(member, cursor)
                continue
            if cursor != last_cursor:
                last_cursor, frame = cursor, self._frame(False, cursor)
            if frame is not None and not member.sink.offer(frame):
                refused.append(member)
        for member in refused:
            self._overflow(member)

    def _offer_other(self, member: Member, cursor: int) -> None:
        frame = self._frame(member.privileged, cursor)
        if frame is not None and not member.sink.offer(frame):
            self._overflow(member)
        elif member.banned:
            # After the frame that tells them, so the client can say why.
            self._remove(member)
            member.sink.close(CLOSE_BANNED, "banned from this room")

    def _frame(self, privileged: bool, cursor: int) -> bytes | None:
        """The frame of events from ``cursor`` on, built once per delivery count."""
        if self._frames_at != self.delivered:
            self._frames, self._frames_at = {}, self.delivered
        key = (privileged, cursor)
        if key not in self._frames:
            events = self._events[cursor - self._base :]
            shown = [event for event, viewers in events if privileged or viewers]
            self._frames[key] = frame_of(shown) if shown else None
        return self._frames[key]

    def _overflow(self, member: Member) -> None:
        self._remove(member)
        self.dropped += 1
        member.sink.close(CLOSE_RESUME, self._t.overflow_reason)


def monotonic() -> float:
    return time.monotonic()
