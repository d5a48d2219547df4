"""Events of gifts: one send shown to the whole room, or many folded into a combo.

Both are ``room`` deliveries: sequenced and sent to every socket, never sampled like
chat. They carry no amounts, so nobody builds a ranking of who spent most from them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class GiftSent(RoomEvent):
    """A viewer sent a gift to the host: one animation, ``quantity`` of the gift.

    Emitted in the transaction that bills it, so it goes out only once the money moved."""

    type = "gift.sent"
    send_id: int
    sender_id: int
    sender_name: str
    gift_id: int
    gift_name: str
    image_url: str
    quantity: int


class GiftReceipt(RoomEvent):
    """Your own gift went out while the room's gifts are folded into combos: only the
    sender's sockets get it, at once (the room sees it in the next ``gift.combo``)."""

    type = "gift.receipt"
    delivery = Delivery.PRIVATE
    send_id: int
    gift_id: int
    gift_name: str
    image_url: str
    quantity: int


class ComboLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sender_id: int
    sender_name: str
    gift_id: int
    gift_name: str
    image_url: str
    count: int
    """Units of the gift this sender sent since the last combo."""


class GiftCombo(RoomEvent):
    """Gifts sent while the room was over its one-by-one rate, folded per sender and
    gift since the last tick; ``more_senders`` counts senders past the shown lines and
    ``more_count`` their units, so a flood is summed, never dropped."""

    type = "gift.combo"
    combos: list[ComboLine]
    more_senders: int
    more_count: int
