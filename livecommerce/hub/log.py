"""Per-room event logs with bounded retention, and the in-memory one.

A log hands out a room's sequence numbers (each sequenced event gets the previous seq
plus one) and keeps the latest events so a viewer who drops off can resume with
``?since=SEQ``. When the log no longer holds everything after ``seq``,
:meth:`EventLog.events_since` answers ``None`` and the viewer gets a snapshot instead
(zulip's "re-fetch when the queue was pruned").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from livecommerce.hub.event import NO_EXTRA, Event, Extra, make_event


class EventLog(Protocol):
    async def append(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        """Give the event the room's next seq and store it."""
        ...

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        """Every event after ``seq`` in order, or None when some are gone."""
        ...

    async def current_seq(self, room_id: int) -> int:
        """The seq of the room's latest event (0 before the first)."""
        ...


def slice_after(events: Sequence[Event], seq: int, current: int) -> list[Event] | None:
    """The events after ``seq`` if ``events`` (a log's tail, in order) covers them all."""
    if seq == current:
        return []
    if seq > current or seq < 0:
        # A seq from the future means the log was reset (e.g. Redis lost its data).
        return None
    if not events or events[0].seq > seq + 1:
        return None
    # Seqs in a log are contiguous, so the position of seq + 1 is known.
    return list(events[seq + 1 - events[0].seq :])


class MemoryLog:
    """The embedded shape's log: one bounded deque per room."""

    def __init__(self, *, retention: int, clock: Callable[[], str]) -> None:
        self._retention = retention
        self._clock = clock
        self._events: dict[int, deque[Event]] = {}
        self._seq: dict[int, int] = {}

    async def append(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        seq = self._seq.get(room_id, 0) + 1
        self._seq[room_id] = seq
        event = make_event(room_id, seq, type, data, self._clock(), extra)
        self._room(room_id).append(event)
        return event

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        return slice_after(list(self._room(room_id)), seq, self._seq.get(room_id, 0))

    async def current_seq(self, room_id: int) -> int:
        return self._seq.get(room_id, 0)

    def _room(self, room_id: int) -> deque[Event]:
        events = self._events.get(room_id)
        if events is None:
            events = self._events[room_id] = deque(maxlen=self._retention)
        return events
