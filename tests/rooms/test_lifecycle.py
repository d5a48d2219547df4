from __future__ import annotations

import pytest

from livecommerce.errors import IllegalTransition
from livecommerce.rooms.lifecycle import RoomAction, RoomStatus, next_status


def test_legal_path() -> None:
    """scheduled -> live -> ended."""
    live = next_status(RoomStatus.SCHEDULED, RoomAction.START)
    assert live is RoomStatus.LIVE
    assert next_status(live, RoomAction.END) is RoomStatus.ENDED


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (RoomStatus.LIVE, RoomAction.START, "cannot start a room that is live"),
        (RoomStatus.ENDED, RoomAction.START, "cannot start a room that is ended"),
        (RoomStatus.ENDED, RoomAction.END, "cannot end a room that is ended"),
    ],
)
def test_illegal_transitions(status: RoomStatus, action: RoomAction, message: str) -> None:
    """Illegal moves raise IllegalTransition with an exact message."""
    with pytest.raises(IllegalTransition) as caught:
        next_status(status, action)
    assert caught.value.message == message
