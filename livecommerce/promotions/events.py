"""Events of coupons: a drop in the room, its "N left", the claimer's own coupon, sold out."""

from __future__ import annotations

from typing_extensions import TypedDict

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class CouponDropData(TypedDict):
    id: int
    template_id: int
    room_id: int
    title: str
    kind: str
    amount_off_cents: int
    percent_off: int
    max_discount_cents: int | None
    min_spend_cents: int
    product_ids: list[int]
    audience: str
    quantity: int | None
    claimed: int
    remaining: int | None
    per_buyer_limit: int
    dropped_at: str
    claim_ends_at: str | None
    valid_minutes: int
    stacks_with_deals: bool
    open: bool


class CouponDropped(RoomEvent):
    """The host dropped a coupon in the room: a card viewers claim with one tap.
    ``quantity``/``remaining`` are null for an unlimited drop; ``claim_ends_at`` null
    means claimable while the show is live."""

    type = "coupon.dropped"
    durable = True
    drop: CouponDropData


class CouponStock(RoomEvent):
    """How many coupons of a drop are left, at most once per news tick ("N left").

    Not in the outbox: a level, rebuilt from ``coupon_drop.claimed`` by the next one
    and by ``GET /api/rooms/{id}/coupons``."""

    type = "coupon.stock"
    drop_id: int
    claimed: int
    quantity: int | None
    remaining: int | None


class CouponSoldOut(RoomEvent):
    """Every coupon of the drop is claimed."""

    type = "coupon.sold_out"
    durable = True
    drop_id: int


class CouponClaimed(RoomEvent):
    """The claimer's own new coupon; only that user's sockets get it."""

    type = "coupon.claimed"
    delivery = Delivery.PRIVATE
    claim_id: int
    drop_id: int
    expires_at: str
