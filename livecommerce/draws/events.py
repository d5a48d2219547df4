"""Events of lucky draws: started (with its commit), closed (with its proof), a winner's
own notice, and a forfeited prize going to the next in the ranking."""

from __future__ import annotations

from typing_extensions import TypedDict

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Delivery


class Entrant(TypedDict):
    """A draw's pick as published with the proof: the id the rule hashes, and the handle."""

    id: int
    handle: str


class DrawPrize(TypedDict):
    """A shelf product (``product_id``) or a coupon template (``coupon_template_id``);
    ``value_cents`` is the product's price or the most the coupon takes off."""

    kind: str
    product_id: int | None
    coupon_template_id: int | None
    title: str
    value_cents: int
    image_url: str


class DrawCoupon(TypedDict):
    """The coupon a winner was given: in their coupons now, usable until ``expires_at``."""

    claim_id: int
    template_id: int
    title: str
    expires_at: str


class DrawPick(TypedDict):
    user: Entrant
    ticket: str
    status: str


class DrawStarted(RoomEvent):
    """A lucky draw (福袋) opened: how to enter, until when, and the seed's commit
    (sha256 of the seed revealed at the close)."""

    type = "draw.started"
    durable = True
    id: int
    prize: DrawPrize
    winners: int
    condition: str
    keyword: str
    watch_seconds: int
    closes_at: str
    commit: str
    proof_url: str


class DrawClosed(RoomEvent):
    """The draw closed: the entrant count and hash, the revealed seed, the winners in
    pick order, and where the proof is."""

    type = "draw.closed"
    durable = True
    id: int
    entrant_count: int
    entrants_hash: str
    seed: str
    picks: list[DrawPick]
    proof_url: str


class DrawWon(RoomEvent):
    """You won. A product: claim it (an address) before ``claim_by`` or it goes to the
    next entrant. A coupon (``coupon``): it is yours already, nothing to claim
    (``claim_by`` null)."""

    type = "draw.won"
    delivery = Delivery.PRIVATE
    id: int
    prize: DrawPrize
    order_id: int | None
    coupon: DrawCoupon | None
    claim_by: str | None
    proof_url: str


class DrawRedrawn(RoomEvent):
    """An unclaimed prize went to the next entrant of the same ranking."""

    type = "draw.redrawn"
    durable = True
    id: int
    forfeited: Entrant
    pick: DrawPick
    proof_url: str
