"""The event envelope and its wire form.

Every server event is ``{"type", "room", "seq", "at", "data"}``, plus ``"delivery"``
when it is not a plain room event and ``"audience"`` when it changes one user's sockets
(livecommerce.events.delivery): the hub on every node routes by those two, never by
``type``. While the show's media clock runs, ``"media_t"`` gives the event's moment on
it (seconds since the recording's first frame), and an event that sets or stops the
clock carries ``"clock"``. An event is serialised once, when it is created (or when a
node receives it from the broker), and the same bytes go to every socket: per-viewer
``json.dumps`` is what makes naive fan-out slow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from livecommerce.events.delivery import Audience, Clock, Delivery

Extra = Mapping[str, Any]  # the envelope's routing fields beside type, room, seq, at, data
NO_EXTRA: Extra = MappingProxyType({})


def routing(
    delivery: Delivery, audience: Audience | None, clock: Clock | None = None
) -> dict[str, Any]:
    """The envelope fields that tell every node's hub how to hand the event out."""
    extra: dict[str, Any] = {}
    if delivery is not Delivery.ROOM:
        extra["delivery"] = delivery.value
    if audience is not None:
        extra["audience"] = audience.as_dict()
    if clock is not None:
        extra["clock"] = clock.as_dict()
    return extra


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; Chinese text stays readable and smaller than \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def iso_at(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, the one time format on the wire."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    """One server event plus its serialised bytes (``payload``)."""

    type: str
    room: int
    seq: int
    at: str
    data: Mapping[str, Any]
    payload: bytes
    delivery: Delivery = Delivery.ROOM
    audience: Audience | None = None
    media_t: float | None = None
    clock: Clock | None = None

    @property
    def sampled(self) -> bool:
        """True when viewers may miss this event under load (never commerce)."""
        return self.delivery is Delivery.SAMPLED

    @property
    def privileged(self) -> bool:
        """True when only the host's and moderators' sockets get this event."""
        return self.delivery is Delivery.PRIVILEGED

    @property
    def counter(self) -> bool:
        """True for an unsequenced counter (latest value wins, not in the log)."""
        return self.delivery is Delivery.COUNTER

    def as_dict(self) -> dict[str, Any]:
        envelope = {
            "type": self.type,
            "room": self.room,
            "seq": self.seq,
            "at": self.at,
            "data": dict(self.data),
        }
        if self.media_t is not None:
            envelope["media_t"] = self.media_t
        return envelope


def make_event(
    room: int, seq: int, type: str, data: Mapping[str, Any], at: str, extra: Extra = NO_EXTRA
) -> Event:
    """Build an event and serialise it, once."""
    body = dict(data)
    envelope = {"type": type, "room": room, "seq": seq, "at": at, "data": body, **extra}
    return _event(type, room, seq, at, body, dumps(envelope), extra)


def _event(
    type: str, room: int, seq: int, at: str, data: Mapping[str, Any], payload: bytes,
    extra: Extra,
) -> Event:  # fmt: skip
    raw = extra.get("delivery", Delivery.ROOM.value)
    delivery = Delivery(raw) if raw in Delivery._value2member_map_ else Delivery.ROOM
    media_t = extra.get("media_t")
    return Event(
        type, room, seq, at, data, payload, delivery, Audience.parse(extra.get("audience")),
        float(media_t) if isinstance(media_t, int | float) else None,
        Clock.parse(extra.get("clock")),
    )  # fmt: skip


def private_payload(room: int, type: str, data: Mapping[str, Any], at: str) -> bytes:
    """A reply-style event for one user's sockets: no seq, never logged or replayed."""
    return dumps({"type": type, "room": room, "seq": None, "at": at, "data": dict(data)})


def split_envelope(
    room: int, type: str, data: Mapping[str, Any], at: str, extra: Extra = NO_EXTRA
) -> tuple[str, str]:
    """The envelope as text before and after the seq, so Redis can splice the seq in.

    The Lua script that hands out the seq builds ``head .. seq .. tail`` and stores it,
    so no node ever re-serialises the event.
    """
    head = dumps({"type": type, "room": room})[:-1].decode() + ',"seq":'
    tail = "," + dumps({"at": at, "data": dict(data), **extra})[1:].decode()
    return head, tail


def event_of_parts(
    room: int, seq: int, type: str, data: Mapping[str, Any], at: str, payload: bytes,
    extra: Extra,
) -> Event:  # fmt: skip
    """The event whose bytes a broker already built (``split_envelope`` + seq)."""
    return _event(type, room, seq, at, dict(data), payload, extra)


def parse_event(payload: bytes) -> Event:
    """Rebuild an event from its bytes, keeping the bytes as they are."""
    raw = json.loads(payload)
    if not isinstance(raw, dict):
        raise ValueError("event payload is not an object")
    data = raw.get("data")
    return _event(
        str(raw["type"]),
        int(raw["room"]),
        int(raw["seq"]),
        str(raw["at"]),
        data if isinstance(data, dict) else {},
        payload,
        raw,
    )


def frame_of(events: Sequence[Event]) -> bytes:
    """One WebSocket frame: a single event object, or a JSON array of several.

    The array is spliced from the events' own bytes; nothing is serialised again.
    """
    if len(events) == 1:
        return events[0].payload
    return b"[" + b",".join(event.payload for event in events) + b"]"
