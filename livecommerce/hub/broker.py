"""Brokers: publishing appends to the room's log and notifies the nodes watching the room.

Two adapters share one shape. :class:`MemoryBroker` serves the embedded shape (one
process); :class:`livecommerce.hub.redis_broker.RedisBroker` serves N nodes through one
pub/sub connection per node (per cluster master on Redis Cluster), subscribed to the
rooms the node has sockets in.

The hub counts a room's local sockets; it calls :meth:`Broker.watch` when a room gets
its first one and :meth:`Broker.unwatch` after the last one leaves, and waits in
:meth:`Broker.watching` before it reads the log for a joining socket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from livecommerce.hub.event import NO_EXTRA, Event, Extra
from livecommerce.hub.log import EventLog

Deliver = Callable[[Event], Awaitable[None]]
# (room id, user id, payload): an unsequenced event for that user's sockets in the room.
DeliverPrivate = Callable[[int, int, bytes], None]
# Called with a room id each time the node's subscription to that room is (re)confirmed:
# events may have been published before it, and the log has them.
Resync = Callable[[int], Awaitable[None]]


class Broker(Protocol):
    async def start(self, deliver: Deliver, resync: Resync) -> None: ...

    async def stop(self) -> None: ...

    async def publish(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event: ...

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None: ...

    async def current_seq(self, room_id: int) -> int: ...

    async def publish_private(self, room_id: int, user_id: int, payload: bytes) -> None: ...

    def watch(self, room_id: int) -> None:
        """The room has its first local socket: start hearing its events."""

    def unwatch(self, room_id: int) -> None:
        """The room's last local socket left: stop hearing its events."""

    async def watching(self, room_id: int) -> None:
        """Return once events published from now on in the room will be heard."""

    on_private: DeliverPrivate | None


class MemoryBroker:
    """In-process: the log is a :class:`~livecommerce.hub.log.MemoryLog` and the only
    node to notify is this one."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._deliver: Deliver | None = None
        self.on_private: DeliverPrivate | None = None

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    async def publish(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        event = await self._log.append(room_id, type, data, extra)
        if self._deliver is not None:
            await self._deliver(event)
        return event

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        return await self._log.events_since(room_id, seq)

    async def current_seq(self, room_id: int) -> int:
        return await self._log.current_seq(room_id)

    async def publish_private(self, room_id: int, user_id: int, payload: bytes) -> None:
        if self.on_private is not None:
            self.on_private(room_id, user_id, payload)

    def watch(self, room_id: int) -> None:
        """Nothing to do: this process hears every room."""

    def unwatch(self, room_id: int) -> None:
        """Nothing to do: this process hears every room."""

    async def watching(self, room_id: int) -> None:
        """At once: publishing delivers in the same call."""
