"""Events of flash sales: each lifecycle edge, and the coalesced stock level."""

from __future__ import annotations

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery
from livecommerce.events.shapes import SaleData


class SaleMoved(RoomEvent):
    """An edge of the sale's lifecycle, with the whole sale after it."""

    durable = True
    sale: SaleData


class SaleScheduled(SaleMoved):
    """A flash deal was scheduled; it opens at ``starts_at``."""

    type = "sale.scheduled"


class SaleStarted(SaleMoved):
    """The deal opened: buying is possible until ``ends_at``."""

    type = "sale.started"


class SaleSoldOut(SaleMoved):
    """Every unit is taken (units may come back: ``sale.restocked``)."""

    type = "sale.sold_out"


class SaleRestocked(SaleMoved):
    """Units came back (an order expired or was cancelled) inside the window."""

    type = "sale.restocked"


class SaleEnded(SaleMoved):
    """The deal's window closed (or its show ended); unsold units went back to stock."""

    type = "sale.ended"


class SaleCancelled(SaleMoved):
    """The deal was called off before it opened."""

    type = "sale.cancelled"


class SaleStock(RoomEvent):
    """The latest stock of a sale that moved, at most once per news tick.

    Not in the outbox: it is a level, not an edge. The next one, and every snapshot,
    carries the level again from ``flash_sale.sold``, so a lost one costs a moment.
    """

    type = "sale.stock"
    delivery = Delivery.ROOM
    sale_id: int
    sold: int
    quantity: int
    remaining: int
