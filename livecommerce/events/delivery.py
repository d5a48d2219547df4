"""How the hub hands an event out. The hub routes by these attributes and never by name.

::

    room        sequenced, logged, to every socket of the room (commerce, room state)
    sampled     sequenced, logged; under load viewers get an even sample, the host and
                moderators everything (chat)
    privileged  sequenced, logged; only the host's and moderators' sockets
    counter     unsequenced, latest value wins, sent at most once per counter tick
    private     one user's sockets in the room; unsequenced, never logged or replayed
    reply       the answer to one socket's own message; never crosses the hub
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Delivery(StrEnum):
    ROOM = "room"
    SAMPLED = "sampled"
    PRIVILEGED = "privileged"
    COUNTER = "counter"
    PRIVATE = "private"
    REPLY = "reply"


SEQUENCED = frozenset({Delivery.ROOM, Delivery.SAMPLED, Delivery.PRIVILEGED})


@dataclass(frozen=True, slots=True)
class Clock:
    """A change to the room's media clock, carried in the envelope as ``clock``.

    ``origin`` is the ISO wall time of media time 0 (the show's first stream start), or
    None once the show is over. Every node's hub keeps the origin in memory and stamps
    each event it appends with ``media_t``, the seconds since it, so HLS and replay
    players can show an event when the picture reaches it."""

    origin: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"origin": self.origin}

    @classmethod
    def parse(cls, raw: object) -> Clock | None:
        if not isinstance(raw, dict) or "origin" not in raw:
            return None
        origin = raw["origin"]
        return cls(origin if isinstance(origin, str) else None)


@dataclass(frozen=True, slots=True)
class Audience:
    """A change to what one user's open sockets receive, applied by every node's hub as
    the event passes: a ban closes them, a moderator change flips full chat on or off."""

    user_id: int
    banned: bool = False
    privileged: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"user": self.user_id}
        if self.banned:
            data["banned"] = True
        if self.privileged is not None:
            data["privileged"] = self.privileged
        return data

    @classmethod
    def parse(cls, raw: object) -> Audience | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("user"), int):
            return None
        privileged = raw.get("privileged")
        return cls(
            raw["user"],
            banned=raw.get("banned") is True,
            privileged=privileged if isinstance(privileged, bool) else None,
        )
