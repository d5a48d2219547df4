"""The base of every declared event type, and what emitting one produces.

An event type is a class in its domain's ``events.py``: its wire name, its delivery
class, whether it is a commerce event (written to the outbox in the emitting
transaction), and its payload as typed fields. Building an instance validates the
payload, and :meth:`RoomEvent.emitted` serialises it where it is emitted, so a payload
that cannot go on the wire fails the transaction instead of vanishing after commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from livecommerce.events.delivery import Audience, Clock, Delivery


@dataclass(frozen=True, slots=True)
class Emitted:
    """One event, built and serialised, waiting for its transaction to commit."""

    room_id: int
    type: str
    delivery: Delivery
    data: Mapping[str, Any]
    durable: bool = False
    user_id: int | None = None  # the one user of a private event
    audience: Audience | None = None
    outbox_id: int | None = None  # set once written to the outbox
    clock: Clock | None = None  # a change to the room's media clock


class RoomEvent(BaseModel):
    """A server event of one room. Subclasses set ``type`` and declare the payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    delivery: ClassVar[Delivery] = Delivery.ROOM
    durable: ClassVar[bool] = False
    """Commerce events (sales, orders, products, room state) go through the outbox:
    a node dying between commit and publish delays them and never loses them."""

    def audience(self) -> Audience | None:
        """The change this event makes to one user's open sockets, if any."""
        return None

    def clock(self) -> Clock | None:
        """The change this event makes to the room's media clock, if any."""
        return None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json")
        json.dumps(data, allow_nan=False)  # fails here, in the transaction, if it cannot
        return data

    def emitted(self, room_id: int, *, user_id: int | None = None) -> Emitted:
        if (self.delivery is Delivery.PRIVATE) != (user_id is not None):
            raise TypeError(f"{self.type}: private events, and only they, name one user")
        return Emitted(
            room_id, self.type, self.delivery, self.payload(), durable=self.durable,
            user_id=user_id, audience=self.audience(), clock=self.clock(),
        )  # fmt: skip
