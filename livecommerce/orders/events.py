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


class OrderMoved(RoomEvent):
    """An order moved along its lifecycle, for the merchant whose product it is: each
    edge of ``orders.lifecycle`` after placement (the buyer hears ``order.updated``).

    A commerce event, so it goes through the outbox."""

    type = "order.moved"
    delivery = Delivery.PRIVATE
    durable = True
    order_id: int
    from_status: str
    to_status: str
    actor: str
    reason: str


class OrdersShipped(RoomEvent):
    """Orders of the merchant's products went ``paid -> shipped`` together (one batch of
    a bulk shipping upload), for the merchant: one event for the batch instead of an
    ``order.moved`` each. The buyers still hear ``order.updated`` each. Durable."""

    type = "orders.shipped"
    delivery = Delivery.PRIVATE
    durable = True
    order_ids: list[int]
    actor: str
    reason: str


class OrdersPlaced(RoomEvent):
    """How many orders a sale took since the last news tick ("N people just bought").

    Like ``sale.stock``, a count per tick rebuilt from rows, so not in the outbox."""

    type = "order.placed.summary"
    sale_id: int
    count: int
