"""Events of orders: the buyer's own status changes, and the room's "N just bought"."""

from __future__ import annotations

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class OrderUpdated(RoomEvent):
    """The buyer's own order changed status; only that buyer's sockets get it."""

    type = "order.updated"
    delivery = Delivery.PRIVATE
    order_id: int
    status: str
    sale_id: int | None


class OrdersPlaced(RoomEvent):
    """How many orders a sale took since the last news tick ("N people just bought").

    Like ``sale.stock``, a count per tick rebuilt from rows, so not in the outbox."""

    type = "order.placed.summary"
    sale_id: int
    count: int
