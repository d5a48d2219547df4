"""The seat gate: the fast, atomic first line of joining a group (the stock gate's
pattern, ``orders.gate``).

One atomic step per join checks the buyer's seat (the same idempotency key is a
duplicate, another key a second seat), the group (open, before its deadline, a seat
left), the offer's group stock and the buyer's limit across the offer, and takes the
seat. Losers are answered here; winners go on to the durable write, which stays the
authority (``seats_taken < size`` in SQL), so a gate that is wrong or empty can cost
speed, never a group of N+1.

``MemorySeatGate`` serves the embedded shape (its methods never await, so each call is
atomic); ``livecommerce.groups.redis_gate.RedisSeatGate`` the scaled one (one Lua
script on the room's hash-tagged keys, so Redis Cluster runs it too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class GroupRef:
    room_id: int
    offer_id: int
    group_id: int


class Seat(StrEnum):
    RESERVED = "reserved"
    DUPLICATE = "duplicate"  # this key already holds the seat: the same order
    MEMBER = "member"  # the buyer holds a seat under another key
    CLOSED = "closed"
    EXPIRED = "expired"
    FULL = "full"
    SOLD_OUT = "sold_out"  # the offer's group stock is gone
    LIMIT_EXCEEDED = "limit_exceeded"
    MISSING = "missing"  # the gate does not know the group or its offer: load them


@dataclass(frozen=True, slots=True)
class SeatResult:
    outcome: Seat
    left: int  # seats left in the group after this call


@dataclass(frozen=True, slots=True)
class OfferState:
    room_id: int
    offer_id: int
    stock: int
    per_user_limit: int
    sold: int = 0
    buyers: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupState:
    ref: GroupRef
    size: int
    expires_at: datetime
    open: bool = True
    members: dict[int, tuple[str, int]] = field(default_factory=dict)  # buyer -> key, units


class SeatGate(Protocol):
    async def load_offer(self, offer: OfferState) -> None:
        """Replace the offer's whole gate state."""

    async def load_group(self, group: GroupState) -> None:
        """Replace the group's whole gate state."""

    async def join(
        self, ref: GroupRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> SeatResult:
        """Judge one join and take the seat if it wins."""

    async def release(self, ref: GroupRef, *, buyer_id: int) -> int:
        """Give the buyer's seat back; the units it held (0 if it held none)."""

    async def close(self, ref: GroupRef) -> None:
        """The group is no longer open (completed, failed, cancelled)."""


@dataclass(slots=True)
class _Offer:
    stock: int
    limit: int
    sold: int
    buyers: dict[int, int]


@dataclass(slots=True)
class _Group:
    size: int
    expires_at: datetime
    open: bool
    members: dict[int, tuple[str, int]]


class MemorySeatGate:
    """The embedded shape's seat gate."""

    def __init__(self) -> None:
        self._offers: dict[tuple[int, int], _Offer] = {}
        self._groups: dict[GroupRef, _Group] = {}

    async def load_offer(self, offer: OfferState) -> None:
        self._offers[offer.room_id, offer.offer_id] = _Offer(
            offer.stock,
            offer.per_user_limit,
            offer.sold,
            {b: n for b, n in offer.buyers.items() if n},
        )

    async def load_group(self, group: GroupState) -> None:
        self._groups[group.ref] = _Group(
            group.size, group.expires_at, group.open, dict(group.members)
        )

    async def join(
        self, ref: GroupRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> SeatResult:
        group = self._groups.get(ref)
        offer = self._offers.get((ref.room_id, ref.offer_id))
        if group is None or offer is None:
            return SeatResult(Seat.MISSING, 0)
        left = group.size - len(group.members)
        mine = group.members.get(buyer_id)
        if mine is not None:
            return SeatResult(Seat.DUPLICATE if mine[0] == key else Seat.MEMBER, left)
        refusal = _refusal(group, offer, buyer_id, quantity, now, left)
        if refusal is not None:
            return SeatResult(refusal, left)
        group.members[buyer_id] = (key, quantity)
        offer.sold += quantity
        offer.buyers[buyer_id] = offer.buyers.get(buyer_id, 0) + quantity
        return SeatResult(Seat.RESERVED, left - 1)

    async def release(self, ref: GroupRef, *, buyer_id: int) -> int:
        group = self._groups.get(ref)
        offer = self._offers.get((ref.room_id, ref.offer_id))
        if group is None or buyer_id not in group.members:
            return 0
        _, units = group.members.pop(buyer_id)
        if offer is not None:
            offer.sold -= units
            held = offer.buyers.get(buyer_id, 0) - units
            if held > 0:
                offer.buyers[buyer_id] = held
            else:
                offer.buyers.pop(buyer_id, None)
        return units

    async def close(self, ref: GroupRef) -> None:
        group = self._groups.get(ref)
        if group is not None:
            group.open = False


def _refusal(
    group: _Group, offer: _Offer, buyer_id: int, quantity: int, now: datetime, left: int
) -> Seat | None:
    """The order of checks matches the Lua script's."""
    if not group.open:
        return Seat.CLOSED
    if now >= group.expires_at:
        return Seat.EXPIRED
    if left <= 0:
        return Seat.FULL
    if offer.stock - offer.sold < quantity:
        return Seat.SOLD_OUT
    if offer.buyers.get(buyer_id, 0) + quantity > offer.limit:
        return Seat.LIMIT_EXCEEDED
    return None
