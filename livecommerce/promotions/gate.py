"""The claim gate: the atomic first line of a coupon drop, as the stock gate is for a deal.

For each claim the gate checks, in one atomic step, the idempotency key, the claim
window, what is left of the drop and the buyer's claims, and takes one coupon. Losers
are answered here and never reach the database; winners go on to the durable write
(``claims``), which stays the authority: a conditional update of ``coupon_drop.claimed``
and a claim row whose (drop, buyer, ordinal) is unique, so a wrong or empty gate costs
speed, never an extra coupon.

``MemoryClaimGate`` serves the embedded shape (one process); ``redis_gate.RedisClaimGate``
the scaled one (one Lua script per claim, keys under the room's hash tag).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from livecommerce.errors import InvalidInput

MAX_KEY_LENGTH = 80  # the width of coupon_claim.idempotency_key


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    DUPLICATE = "duplicate"  # the key claimed before; nothing new was taken
    EXHAUSTED = "exhausted"
    LIMIT = "limit"  # the buyer holds the most one buyer may claim
    CLOSED = "closed"  # outside the claim window, or the drop was closed
    MISSING = "missing"  # the gate does not know the drop: load it from the database


@dataclass(frozen=True, slots=True)
class DropRef:
    room_id: int
    drop_id: int


@dataclass(frozen=True, slots=True)
class ClaimResult:
    outcome: ClaimOutcome
    remaining: int | None  # coupons left after this call; None: unlimited


@dataclass(frozen=True, slots=True)
class GateDrop:
    """A drop's whole gate state, as the database implies it (``drops.gate_state``)."""

    ref: DropRef
    quantity: int | None  # None: unlimited
    per_buyer_limit: int
    claim_ends_at: datetime | None  # None: while the show is live (``open``)
    open: bool = True
    claimed: int = 0
    buyers: Mapping[int, int] = field(default_factory=dict)
    keys: frozenset[tuple[int, str]] = frozenset()


class ClaimGate(Protocol):
    async def load(self, drop: GateDrop) -> None:
        """Replace the drop's whole gate state in one atomic step."""

    async def claim(self, ref: DropRef, *, buyer_id: int, key: str, now: datetime) -> ClaimResult:
        """Judge one claim and take a coupon if it wins."""

    async def release(self, ref: DropRef, *, buyer_id: int, key: str) -> bool:
        """Give back the coupon a key took whose write failed; forget the key."""

    async def close(self, ref: DropRef) -> None:
        """Refuse every further claim (the show ended)."""

    async def snapshot(self, ref: DropRef) -> GateDrop | None:
        """The drop's current gate state, or ``None`` if the gate does not hold it."""


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"idempotency key must be 1 to {MAX_KEY_LENGTH} characters")


@dataclass(slots=True)
class _Drop:
    quantity: int | None
    per_buyer_limit: int
    claim_ends_at: datetime | None
    open: bool
    claimed: int
    buyers: dict[int, int]
    keys: set[tuple[int, str]]


class MemoryClaimGate:
    """The embedded shape's gate. Methods never await, so each call is atomic."""

    def __init__(self) -> None:
        self._drops: dict[DropRef, _Drop] = {}

    async def load(self, drop: GateDrop) -> None:
        self._drops[drop.ref] = _Drop(
            drop.quantity, drop.per_buyer_limit, drop.claim_ends_at, drop.open, drop.claimed,
            dict(drop.buyers), set(drop.keys),
        )  # fmt: skip

    async def claim(self, ref: DropRef, *, buyer_id: int, key: str, now: datetime) -> ClaimResult:
        check_key(key)
        drop = self._drops.get(ref)
        if drop is None:
            return ClaimResult(ClaimOutcome.MISSING, 0)
        left = None if drop.quantity is None else drop.quantity - drop.claimed
        if (buyer_id, key) in drop.keys:
            return ClaimResult(ClaimOutcome.DUPLICATE, left)
        if not drop.open or (drop.claim_ends_at is not None and now >= drop.claim_ends_at):
            return ClaimResult(ClaimOutcome.CLOSED, left)
        if left is not None and left <= 0:
            return ClaimResult(ClaimOutcome.EXHAUSTED, 0)
        mine = drop.buyers.get(buyer_id, 0)
        if mine >= drop.per_buyer_limit:
            return ClaimResult(ClaimOutcome.LIMIT, left)
        drop.claimed += 1
        drop.buyers[buyer_id] = mine + 1
        drop.keys.add((buyer_id, key))
        return ClaimResult(ClaimOutcome.CLAIMED, None if left is None else left - 1)

    async def release(self, ref: DropRef, *, buyer_id: int, key: str) -> bool:
        drop = self._drops.get(ref)
        if drop is None or (buyer_id, key) not in drop.keys:
            return False
        drop.keys.discard((buyer_id, key))
        drop.claimed -= 1
        left = drop.buyers.get(buyer_id, 0) - 1
        if left > 0:
            drop.buyers[buyer_id] = left
        else:
            drop.buyers.pop(buyer_id, None)
        return True

    async def close(self, ref: DropRef) -> None:
        drop = self._drops.get(ref)
        if drop is not None:
            drop.open = False

    async def snapshot(self, ref: DropRef) -> GateDrop | None:
        d = self._drops.get(ref)
        if d is None:
            return None
        return GateDrop(
            ref, d.quantity, d.per_buyer_limit, d.claim_ends_at, d.open, d.claimed,
            dict(d.buyers), frozenset(d.keys),
        )  # fmt: skip
