"""Events of group buys: to the room (opened, seat counts, completed, failed,
cancelled) and to each member (``group.news``, with who joined).

The room hears counts only; who joined goes to the group's own members. Group edges
are commerce events, so they go through the outbox.
"""

from __future__ import annotations

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class GroupSeats(RoomEvent):
    """A group's seat count, as the room's open-group list shows it."""

    durable = True
    group_id: int
    offer_id: int
    product_id: int
    seats_taken: int
    size: int
    expires_at: str


class GroupOpened(GroupSeats):
    """A buyer opened a group at the group price; others may join until ``expires_at``."""

    type = "group.opened"
    price_cents: int


class GroupJoined(GroupSeats):
    """A seat of the group was taken (the count only: who joined is for its members)."""

    type = "group.joined"


class GroupLeft(GroupSeats):
    """A seat came back: an unpaid order expired or was cancelled, or a member left."""

    type = "group.left"


class GroupCompleted(GroupSeats):
    """Every seat is paid: the group's orders go on to shipping together."""

    type = "group.completed"


class GroupFailed(GroupSeats):
    """The time limit passed before the group filled; every paid member is refunded."""

    type = "group.failed"


class GroupCancelled(GroupSeats):
    """The last member left before the group filled."""

    type = "group.cancelled"


class GroupNews(RoomEvent):
    """What happened to a group the user holds a seat in: ``what`` is joined, left,
    leader (the user now leads it), completed, failed or cancelled; ``who`` the display
    name of the member who joined or left."""

    type = "group.news"
    delivery = Delivery.PRIVATE
    durable = True
    group_id: int
    what: str
    who: str
    status: str
    seats_taken: int
    size: int
