"""Events of follows and reminders."""

from __future__ import annotations

from typing import Literal

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class RemindersChanged(RoomEvent):
    """How many viewers asked to be reminded of the show (预约), after one more asked or
    one cancelled. Latest value wins, so under load viewers may get a sample."""

    type = "reminders.changed"
    delivery = Delivery.SAMPLED

    count: int


class RemindersSent(RoomEvent):
    """A reminder round finished: ``notified`` subscribers were told the show is soon
    (``soon``) or live (``start``). For the host and moderators."""

    type = "reminders.sent"
    delivery = Delivery.PRIVILEGED

    kind: Literal["soon", "start"]
    notified: int
