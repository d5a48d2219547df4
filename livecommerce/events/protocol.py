"""Events of the real-time protocol itself, built by the hub and the socket handler
rather than by a domain: the join snapshot, the counters, and replies to one socket."""

from __future__ import annotations

from typing import Any

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery
from livecommerce.events.shapes import ChatMessageData, SaleData


class RoomSnapshot(RoomEvent):
    """Everything a joining client needs; ``seq`` is the log position it reflects.

    Built by sales/snapshot.py; ``room`` is the REST API's room detail (with its shelf
    and pinned product), ``sales`` the open deals."""

    type = "room.snapshot"
    delivery = Delivery.REPLY

    room: dict[str, Any]
    """The REST room detail: status, times, host, ``shelf``, ``pinned_product``..."""
    sales: list[SaleData]
    chat: list[ChatMessageData]
    viewers: int
    likes: int
    slow_mode_seconds: int
    seq: int
    server_time: int


class ViewersCounted(RoomEvent):
    """Viewers watching now, summed over every node."""

    type = "viewers.count"
    delivery = Delivery.COUNTER
    count: int


class LikesCounted(RoomEvent):
    """Likes the room has received, in total."""

    type = "likes.count"
    delivery = Delivery.COUNTER
    count: int


class _Reply(RoomEvent):
    """An answer to one socket; ``ref`` echoes the client message's ``ref``."""

    delivery = Delivery.REPLY
    ref: str | int | None = None


class Acknowledged(_Reply):
    """A moderation command was carried out."""

    type = "ack"


class ChatAccepted(_Reply):
    """The sender's own message, answered to the sender's socket only."""

    type = "chat.accepted"
    message: ChatMessageData


class TimeSynced(_Reply):
    """The answer to ``time.sync``: the client computes its offset from the two times."""

    type = "time.synced"
    client_time: float
    server_time: int


class Pinged(_Reply):
    """A keepalive with the server's clock, sent when the socket has been quiet."""

    type = "ping"
    server_time: int


class ErrorReported(_Reply):
    """A client message or the join was refused; ``code`` is stable, pages translate it."""

    type = "error"
    code: str
    message: str
    retry_after: float | None = None
    until: str | None = None
    """``muted``: when the caller may chat again (null: after the show)."""
