"""The event envelope and its wire form.

Every server event is ``{"type", "room", "seq", "at", "data"}``. An event is serialised
once, when it is created (or when a node receives it from the broker), and the same bytes
go to every socket: per-viewer ``json.dumps`` is what makes naive fan-out slow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Events a viewer may miss under load (sampled when a room's chat rate is high).
# Everything else (commerce, room state, moderation) is never dropped.
SAMPLED_TYPES = frozenset({"chat.posted"})


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

    @property
    def sampled(self) -> bool:
        """True when viewers may miss this event under load."""
        return self.type in SAMPLED_TYPES

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "room": self.room,
            "seq": self.seq,
            "at": self.at,
            "data": dict(self.data),
        }


def make_event(room: int, seq: int, type: str, data: Mapping[str, Any], at: str) -> Event:
    """Build an event and serialise it, once."""
    body = dict(data)
    envelope = {"type": type, "room": room, "seq": seq, "at": at, "data": body}
    return Event(type, room, seq, at, body, dumps(envelope))


def private_payload(room: int, type: str, data: Mapping[str, Any], at: str) -> bytes:
    """A reply-style event for one user's sockets: no seq, never logged or replayed."""
    return dumps({"type": type, "room": room, "seq": None, "at": at, "data": dict(data)})


def split_envelope(room: int, type: str, data: Mapping[str, Any], at: str) -> tuple[str, str]:
    """The envelope as text before and after the seq, so Redis can splice the seq in.

    The Lua script that hands out the seq builds ``head .. seq .. tail`` and stores it,
    so no node ever re-serialises the event.
    """
    head = dumps({"type": type, "room": room})[:-1].decode() + ',"seq":'
    tail = "," + dumps({"at": at, "data": dict(data)})[1:].decode()
    return head, tail


def parse_event(payload: bytes) -> Event:
    """Rebuild an event from its bytes, keeping the bytes as they are."""
    raw = json.loads(payload)
    if not isinstance(raw, dict):
        raise ValueError("event payload is not an object")
    data = raw.get("data")
    return Event(
        str(raw["type"]),
        int(raw["room"]),
        int(raw["seq"]),
        str(raw["at"]),
        data if isinstance(data, dict) else {},
        payload,
    )


def frame_of(events: Sequence[Event]) -> bytes:
    """One WebSocket frame: a single event object, or a JSON array of several.

    The array is spliced from the events' own bytes; nothing is serialised again.
    """
    if len(events) == 1:
        return events[0].payload
    return b"[" + b",".join(event.payload for event in events) + b"]"
