"""The stock gate: the fast, atomic first line of the order path (DESIGN section 6).

For each request the gate checks, in one atomic step, the idempotency key, the sale
window, the remaining quantity and the buyer's limit, and reserves the units. Losers
are answered here and never reach the database; winners go on to the durable write,
which stays the authority (``sold + q <= quantity`` in SQL), so a gate that is wrong
or empty can cost speed but never oversell.

Two implementations share ``StockGate``: ``MemoryGate`` (embedded shape, one process)
and ``livecommerce.orders.redis_gate.RedisGate`` (scaled shape, one Lua script).

Only reservations are remembered under an idempotency key. A request that lost
(sold out, over the limit, outside the window) reserved nothing, so its retry is simply
judged again; remembering losers would let a spike of 100k refusals fill Redis.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from livecommerce.errors import InvalidInput
from livecommerce.sales.views import SaleRef as SaleRef
from livecommerce.sales.views import SaleView

MAX_KEY_LENGTH = 80  # the width of order.idempotency_key


class Outcome(StrEnum):
    RESERVED = "reserved"
    DUPLICATE = "duplicate"  # the key reserved before; nothing new was taken
    SOLD_OUT = "sold_out"  # fewer units left than asked for
    LIMIT_EXCEEDED = "limit_exceeded"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    MISSING = "missing"  # the gate does not know this sale: load it from the database


@dataclass(frozen=True, slots=True)
class GateResult:
    outcome: Outcome
    remaining: int  # units left after this call
    # DUPLICATE: units the key holds (0 once its order expired or was cancelled).
    # RESERVED: units just taken. LIMIT_EXCEEDED: units the buyer already holds.
    units: int = 0


@dataclass(frozen=True, slots=True)
class GateSale:
    """A sale's whole gate state, as loaded from the database or read back.

    ``sold`` counts units held by orders that are pending payment or paid, plus (when
    read back from a live gate) reservations whose database write is still in flight.
    ``keys`` maps (buyer, idempotency key) to the units that key holds; 0 marks a key
    whose order expired or was cancelled, so a retry still finds that order.
    """

    ref: SaleRef
    quantity: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    sold: int = 0
    buyers: Mapping[int, int] = field(default_factory=dict)
    keys: Mapping[tuple[int, str], int] = field(default_factory=dict)


def fresh_gate(sale: SaleView) -> GateSale:
    """The gate state of a sale nobody has bought from yet."""
    return GateSale(
        ref=sale.ref, quantity=sale.quantity, per_user_limit=sale.per_user_limit,
        starts_at=sale.starts_at, ends_at=sale.ends_at,
    )  # fmt: skip


class StockGate(Protocol):
    async def load(self, sale: GateSale) -> None:
        """Replace the sale's whole gate state in one atomic step."""

    async def reserve(
        self, ref: SaleRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> GateResult:
        """Judge one purchase attempt and reserve its units if it wins."""

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        """Units the key holds (0 once released), or ``None`` if the key is unknown."""

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        """Give back the units the key holds; return how many (0 if none).

        ``forget=True`` deletes the key (the order was never written, so a retry may try
        again); ``forget=False`` keeps it at 0 (the order exists, expired or cancelled,
        and the same key must keep finding it). Releasing twice gives back nothing.
        """

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        """The sale's current gate state, or ``None`` if the gate does not hold it."""

    async def drop(self, ref: SaleRef) -> None:
        """Forget the sale (cancelled, or long over)."""

    async def epoch(self) -> str:
        """An id that changes when the gate loses its data (Redis restarted empty)."""


@dataclass(frozen=True, slots=True)
class Holders:
    """Who holds a sale's units: what a node needs to refuse attempts on its own."""

    quantity: int
    sold: int
    version: str  # changes whenever a key is reserved (or the sale is loaded)
    keys: frozenset[tuple[int, str]] | None  # None: unchanged since the version asked


@runtime_checkable
class HolderReader(Protocol):
    """A gate that reads its holders more cheaply than a whole ``snapshot``."""

    async def holders(self, ref: SaleRef, *, known: str | None) -> Holders | None:
        """The sale's numbers and, unless ``known`` is still its version, its keys;
        ``None`` if the gate does not hold the sale."""


def check_request(key: str, quantity: int) -> None:
    """Reject values no gate should store; shared so both gates refuse the same input."""
    if quantity < 1:
        raise InvalidInput("quantity must be at least 1")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"idempotency key must be 1 to {MAX_KEY_LENGTH} characters")


@dataclass(slots=True)
class _MemorySale:
    quantity: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    sold: int
    buyers: dict[int, int]
    keys: dict[tuple[int, str], int]
    version: int


class MemoryGate:
    """The embedded shape's gate. Methods never await, so each call is atomic."""

    def __init__(self) -> None:
        self._sales: dict[SaleRef, _MemorySale] = {}
        self._epoch = uuid.uuid4().hex
        self._versions = itertools.count()  # never reused, across loads too

    async def load(self, sale: GateSale) -> None:
        self._sales[sale.ref] = _MemorySale(
            quantity=sale.quantity,
            per_user_limit=sale.per_user_limit,
            starts_at=sale.starts_at,
            ends_at=sale.ends_at,
            sold=sale.sold,
            buyers={b: n for b, n in sale.buyers.items() if n},
            keys=dict(sale.keys),
            version=next(self._versions),
        )

    async def reserve(
        self, ref: SaleRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> GateResult:
        check_request(key, quantity)
        sale = self._sales.get(ref)
        if sale is None:
            return GateResult(Outcome.MISSING, 0)
        remaining = sale.quantity - sale.sold
        held = sale.keys.get((buyer_id, key))
        if held is not None:
            return GateResult(Outcome.DUPLICATE, remaining, held)
        if now < sale.starts_at:
            return GateResult(Outcome.NOT_STARTED, remaining)
        if now >= sale.ends_at:
            return GateResult(Outcome.ENDED, remaining)
        if quantity > remaining:
            return GateResult(Outcome.SOLD_OUT, remaining)
        mine = sale.buyers.get(buyer_id, 0)
        if mine + quantity > sale.per_user_limit:
            return GateResult(Outcome.LIMIT_EXCEEDED, remaining, mine)
        sale.sold += quantity
        sale.buyers[buyer_id] = mine + quantity
        sale.keys[(buyer_id, key)] = quantity
        sale.version = next(self._versions)
        return GateResult(Outcome.RESERVED, remaining - quantity, quantity)

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        sale = self._sales.get(ref)
        return None if sale is None else sale.keys.get((buyer_id, key))

    async def holders(self, ref: SaleRef, *, known: str | None) -> Holders | None:
        sale = self._sales.get(ref)
        if sale is None:
            return None
        version = str(sale.version)
        keys = None if version == known else frozenset(sale.keys)
        return Holders(sale.quantity, sale.sold, version, keys)

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        sale = self._sales.get(ref)
        if sale is None:
            return 0
        held = sale.keys.get((buyer_id, key))
        if held is None:
            return 0
        if forget:
            del sale.keys[(buyer_id, key)]
        else:
            sale.keys[(buyer_id, key)] = 0
        if held:
            sale.sold -= held
            left = sale.buyers.get(buyer_id, 0) - held
            if left > 0:
                sale.buyers[buyer_id] = left
            else:
                sale.buyers.pop(buyer_id, None)
        return held

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        sale = self._sales.get(ref)
        if sale is None:
            return None
        return GateSale(
            ref=ref,
            quantity=sale.quantity,
            per_user_limit=sale.per_user_limit,
            starts_at=sale.starts_at,
            ends_at=sale.ends_at,
            sold=sale.sold,
            buyers=dict(sale.buyers),
            keys=dict(sale.keys),
        )

    async def drop(self, ref: SaleRef) -> None:
        self._sales.pop(ref, None)

    async def epoch(self) -> str:
        return self._epoch
