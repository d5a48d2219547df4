"""The room lifecycle as an explicit state machine: scheduled -> live -> ended."""

from __future__ import annotations

from enum import StrEnum

from livecommerce.errors import IllegalTransition


class RoomStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class RoomAction(StrEnum):
    START = "start"
    END = "end"


TRANSITIONS: dict[tuple[RoomStatus, RoomAction], RoomStatus] = {
    (RoomStatus.SCHEDULED, RoomAction.START): RoomStatus.LIVE,
    (RoomStatus.LIVE, RoomAction.END): RoomStatus.ENDED,
    # A show that never went live can still be called off.
    (RoomStatus.SCHEDULED, RoomAction.END): RoomStatus.ENDED,
}


def next_status(current: RoomStatus, action: RoomAction) -> RoomStatus:
    """The status after ``action``; ``IllegalTransition`` if the room cannot do it now."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(f"cannot {action.value} a room that is {current.value}") from None
