"""The hub: one object the rest of the server talks to for real-time events.

``Hub(keys, redis, node_id)`` picks its adapters from ``redis``: None gives the
embedded shape (in-process broker and presence), a client gives the scaled one (Redis
Streams, a pub/sub subscription per room with local sockets, presence hashes); a
cluster client makes that sharded pub/sub. Everything above the adapters is the same
code.

Counter events (``viewers.count``, ``likes.count``) are *unsequenced*: they are not in
the log, they carry the seq of the room's latest sequenced event (no bump), and they are
sent at most once per counter tick per room, only when the number changed. A client
resumes with the seq of the last *sequenced* event it applied; snapshots carry the
current counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livecommerce.events.base import Emitted
from livecommerce.events.delivery import SEQUENCED, Audience, Clock, Delivery
from livecommerce.events.protocol import LikesCounted, RoomSnapshot, ViewersCounted
from livecommerce.hub._adapters import build_adapters
from livecommerce.hub._tasks import cancel_and_wait
from livecommerce.hub.event import (
    Event,
    frame_of,
    iso_at,
    make_event,
    private_payload,
    routing,
)
from livecommerce.hub.fanout import Member, Room, Tunables, monotonic
from livecommerce.hub.media_clock import MediaClock, RedisClockStore
from livecommerce.hub.outbox import CLOSE_GOING_AWAY, CLOSE_RESUME, Sink
from livecommerce.hub.presence import NodeReport, PresenceStats
from livecommerce.storage.keys import Keys

log = logging.getLogger(__name__)

Snapshot = Callable[[int], Awaitable[Mapping[str, Any]]]
Record = Callable[[Event], None]
Heard = Callable[[str, int], None]  # an event's type and room
Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]
REPLAY_CHUNK = 100


class Hub:
    def __init__(
        self,
        keys: Keys,
        redis: Redis | None,
        node_id: str,
        *,
        tick: float = 0.05,
        frames_per_second: int = 25_000,
        viewer_chat_rate: int = 20,
        counter_interval: float = 1.0,
        log_retention: int = 1000,
        log_ttl: float = 2 * 86400,
        presence_ttl: float = 10.0,
        keep_seconds: float = 7 * 86400,
        clock: Callable[[], float] = time.time,
        spawn: Spawn | None = None,
    ) -> None:
        self.node_id = node_id
        self._clock = clock
        self._tunables = Tunables(
            tick=tick, frames_per_second=frames_per_second, viewer_chat_rate=viewer_chat_rate
        )
        self._counter_interval = counter_interval
        self._broker, self._presence = build_adapters(
            keys, redis, node_id, log_retention, log_ttl, presence_ttl, keep_seconds, self.now
        )
        store = RedisClockStore(redis, keys, ttl_seconds=log_ttl) if redis is not None else None
        self.media_clock = MediaClock(store)
        # Each sequenced event this node appends, handed over without I/O (the show log
        # keeps every event of a show; each node records only what it appended).
        self.record: Record | None = None
        # Each event this node delivers to its own sockets, handed over without I/O: the
        # ledger ends a show's watch sessions on every node that hears the show end.
        self.heard: Heard | None = None
        self._rooms: dict[int, Room] = {}
        self._broker.on_private = self._deliver_private
        self._report = NodeReport()
        self._shown: dict[int, dict[str, int]] = {}
        self._ticker: asyncio.Task[None] | None = None
        # Private events of a big batch (a group commit's buyers) go out beside the
        # replies rather than before them, as tasks of the app's supervisor (which
        # lets them finish at shutdown); a hub of its own holds them itself.
        self._spawn = spawn
        self._notifying: set[asyncio.Task[None]] = set()
        self.dropped = 0

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        await self._broker.start(self._deliver, self._resync)
        self._ticker = asyncio.create_task(self._tick_counters(), name="hub-counters")

    async def stop(self) -> None:
        if self._notifying:
            await asyncio.wait(list(self._notifying), timeout=5.0)
        if self._ticker is not None:
            await cancel_and_wait(self._ticker)
        await self._broker.stop()
        rooms = list(self._rooms)
        for room in self._rooms.values():
            room.close(CLOSE_GOING_AWAY, "server shutting down, reconnect")
        self._rooms.clear()
        with contextlib.suppress(RedisError, OSError):
            await self._presence.leave(rooms)

    # --- events ------------------------------------------------------------------
    async def deliver(self, events: Sequence[Emitted]) -> None:
        """The one sink of committed events: each goes out as its delivery class says."""
        private = [e for e in events if e.delivery is Delivery.PRIVATE]
        for event in events:
            if event.delivery in SEQUENCED:
                await self.publish(
                    event.room_id, event.type, event.data, delivery=event.delivery,
                    audience=event.audience, clock=event.clock,
                )  # fmt: skip
            elif event.delivery is not Delivery.PRIVATE:
                raise ValueError(f"{event.type}: {event.delivery} events are not published")
        if len(private) == 1:
            await self._notify(private)
        elif private and self._spawn is not None:
            self._spawn(self._notify(private), "hub-notify")
        elif private:
            task = asyncio.create_task(self._notify(private), name="hub-notify")
            self._notifying.add(task)
            task.add_done_callback(self._notifying.discard)

    async def _notify(self, events: Sequence[Emitted]) -> None:
        # One after another: all at once would take a Redis connection each from the pool
        # the stock gate needs for the next attempts.
        for event in events:
            assert event.user_id is not None
            try:
                await self.notify_user(event.room_id, event.user_id, event.type, event.data)
            except Exception:
                log.exception("private event %s failed", event.type)

    async def publish(
        self,
        room_id: int,
        type: str,
        data: Mapping[str, Any],
        *,
        delivery: Delivery = Delivery.ROOM,
        audience: Audience | None = None,
        clock: Clock | None = None,
    ) -> Event:
        """Sequence ``data`` as the room's next event, log it, and send it to every node.

        Call after the transaction that caused it has committed.
        """
        if clock is not None:
            await self.media_clock.publish(room_id, clock)
        extra = routing(delivery, audience, clock)
        media_t = await self.media_clock.media_t(room_id, self._clock())
        if media_t is not None:
            extra["media_t"] = media_t
        event = await self._broker.publish(room_id, type, data, extra)
        if self.record is not None:
            self.record(event)
        return event

    async def notify_user(
        self, room_id: int, user_id: int, type: str, data: Mapping[str, Any]
    ) -> None:
        """Send an unsequenced event to ``user_id``'s sockets in the room, on any node
        (a buyer's own order status). Not logged: a reconnecting client re-reads state."""
        payload = private_payload(room_id, type, data, self.now())
        await self._broker.publish_private(room_id, user_id, payload)

    def _deliver_private(self, room_id: int, user_id: int, payload: bytes) -> None:
        room = self._rooms.get(room_id)
        if room is not None:
            room.deliver_private(user_id, payload)

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        return await self._broker.events_since(room_id, seq)

    async def current_seq(self, room_id: int) -> int:
        return await self._broker.current_seq(room_id)

    def now(self) -> str:
        return iso_at(self._clock())

    def server_time_ms(self) -> int:
        return int(self._clock() * 1000)

    # --- members -----------------------------------------------------------------
    async def join(
        self,
        room_id: int,
        sink: Sink,
        *,
        since: int | None,
        snapshot: Snapshot,
        privileged: bool = False,
        identity: str | None = None,
        user_id: int | None = None,
    ) -> Member:
        """Attach ``sink`` and bring it up to date: a replay after ``since`` when the log
        still holds it, else a ``room.snapshot`` built by ``snapshot(seq)``.

        The sink is attached *before* the log or the seq is read, so no event can fall
        between what it is sent now and what it gets live (zulip registers its queue
        before fetching state for the same reason).
        """
        member = self.attach(
            room_id, sink, privileged=privileged, identity=identity, user_id=user_id
        )
        try:
            # A new room's subscription must be confirmed before the log is read.
            await self._broker.watching(room_id)
            replay = await self.events_since(room_id, since) if since is not None else None
            if replay is not None:
                after = replay[-1].seq if replay else since
                self._send_replay(member, replay)
            else:
                after = await self.current_seq(room_id)
                data = await snapshot(after)
                snap = make_event(room_id, after, RoomSnapshot.type, data, self.now())
                sink.offer(snap.payload)
        except BaseException:
            self.detach(member)
            raise
        self.release(member, after_seq=after or 0)
        return member

    def attach(
        self,
        room_id: int,
        sink: Sink,
        *,
        privileged: bool = False,
        identity: str | None = None,
        user_id: int | None = None,
    ) -> Member:
        """Attach ``sink`` in the joining state; live events wait until :meth:`release`."""
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = Room(room_id, self._tunables, monotonic)
            self._broker.watch(room_id)  # the room's first local socket
        if identity is not None:
            self._report.joined.setdefault(room_id, set()).add(identity)
        return room.attach(sink, privileged, user_id)

    def release(self, member: Member, *, after_seq: int) -> None:
        """Finish a join: live events after ``after_seq`` flow to the member from now on."""
        room = self._rooms.get(member.room_id)
        if room is not None and room.members.get(member.sink) is member:
            room.release(member, after_seq)

    def detach(self, member: Member) -> None:
        room = self._rooms.get(member.room_id)
        if room is None or room.detach(member.sink) is None:
            return
        if not room.members:
            self.dropped += room.dropped
            del self._rooms[member.room_id]
            self._broker.unwatch(member.room_id)  # its last local socket left
            self.media_clock.forget(member.room_id)
            self._shown.pop(member.room_id, None)
            # Withdraw this node's share of the room's viewers at the next report.
            self._report.sockets[member.room_id] = 0

    def local_viewers(self, room_id: int) -> int:
        room = self._rooms.get(room_id)
        return len(room.members) if room is not None else 0

    def local_users(self, room_id: int) -> set[int]:
        """The logged-in users with a socket in the room on this node (draw presence)."""
        room = self._rooms.get(room_id)
        return room.users() if room is not None else set()

    # --- counters ----------------------------------------------------------------
    def add_likes(self, room_id: int, count: int) -> None:
        """Count likes locally; they reach the room's total at the next counter tick."""
        if count > 0:
            self._report.likes[room_id] = self._report.likes.get(room_id, 0) + count

    async def viewer_count(self, room_id: int) -> int:
        return (await self._presence.stats(room_id)).viewers

    async def stats(self, room_id: int) -> PresenceStats:
        return await self._presence.stats(room_id)

    async def sync_counters(self) -> None:
        """Report this node's counts and send changed counters to its rooms (one tick)."""
        report, self._report = self._report, NodeReport()
        for room_id, room in self._rooms.items():
            report.sockets[room_id] = len(room.members)
        try:
            totals = await self._presence.sync(report)
        except (RedisError, OSError) as exc:
            self._requeue(report)
            log.warning("hub could not sync presence: %s", exc)
            return
        for room_id, counters in totals.items():
            self._send_counters(
                room_id, {ViewersCounted.type: counters.viewers, LikesCounted.type: counters.likes}
            )

    def _send_counters(self, room_id: int, values: Mapping[str, int]) -> None:
        room = self._rooms.get(room_id)
        if room is None:
            return
        shown = self._shown.setdefault(room_id, {})
        for type, value in values.items():
            if shown.get(type) != value:
                shown[type] = value
                seq = room.last_seq or 0
                extra = routing(Delivery.COUNTER, None)
                room.deliver(make_event(room_id, seq, type, {"count": value}, self.now(), extra))

    def _requeue(self, report: NodeReport) -> None:
        """Keep likes and joins of a failed report for the next one (sockets are recounted)."""
        for room_id, taps in report.likes.items():
            self.add_likes(room_id, taps)
        for room_id, who in report.joined.items():
            self._report.joined.setdefault(room_id, set()).update(who)
        for room_id, count in report.sockets.items():
            if count == 0 and room_id not in self._rooms:
                self._report.sockets[room_id] = 0

    async def _tick_counters(self) -> None:
        while True:
            await asyncio.sleep(self._counter_interval)
            try:
                await self.sync_counters()
            except Exception:
                # Counters are cosmetic; a bug here must not stop the next tick.
                log.exception("hub counter tick failed")

    # --- from the broker ---------------------------------------------------------
    async def _deliver(self, event: Event) -> None:
        if event.clock is not None:
            self.media_clock.heard(event.room, event.clock)
        room = self._rooms.get(event.room)
        if room is None:
            return
        last = room.last_seq
        if last is not None and event.seq <= last:
            return  # already delivered by a resync
        if last is not None and event.seq > last + 1:
            await self._catch_up(room, last)
            return
        self._hand_over(room, event)

    def _hand_over(self, room: Room, event: Event) -> None:
        room.deliver(event)
        if self.heard is not None:
            self.heard(event.type, event.room)

    async def _resync(self, room_id: int) -> None:
        """The room's subscription was (re)confirmed: fetch what it may have missed."""
        room = self._rooms.get(room_id)
        if room is not None and room.last_seq is not None:
            await self._catch_up(room, room.last_seq)

    async def _catch_up(self, room: Room, last: int) -> None:
        missing = await self.events_since(room.room_id, last)
        if self._rooms.get(room.room_id) is not room:
            return
        if missing is None:
            # The log moved past what this node sent: everyone resumes (and snapshots).
            self.dropped += len(room.members)
            room.close(CLOSE_RESUME, "missed events, resume with ?since=")
            del self._rooms[room.room_id]
            self._broker.unwatch(room.room_id)
            self._report.sockets[room.room_id] = 0
            return
        for event in missing:
            if room.last_seq is None or event.seq > room.last_seq:
                self._hand_over(room, event)

    def _send_replay(self, member: Member, replay: list[Event]) -> None:
        for start in range(0, len(replay), REPLAY_CHUNK):
            member.sink.offer(frame_of(replay[start : start + REPLAY_CHUNK]))
