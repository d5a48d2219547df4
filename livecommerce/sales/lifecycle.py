"""The flash-sale lifecycle as a pure state machine.

::

    scheduled ──> live ──> ended
        │          ↑ │       ↑
        │          │ ↓       │
        │        sold_out ───┘
        ↓
    cancelled

``sold_out -> live`` exists because stock comes back while the window is still open:
an unpaid order expires or a buyer cancels, and a viewer staring at the countdown
expects the buy button to work again. ``ended`` and ``cancelled`` are terminal.

Nothing here touches a clock or a database: callers pass ``now`` and the counts, and
the scheduler claims the returned transition with a conditional update.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from livecommerce.errors import IllegalTransition


class SaleStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    SOLD_OUT = "sold_out"
    ENDED = "ended"
    CANCELLED = "cancelled"


_EDGES: Mapping[SaleStatus, frozenset[SaleStatus]] = {
    SaleStatus.SCHEDULED: frozenset({SaleStatus.LIVE, SaleStatus.CANCELLED}),
    SaleStatus.LIVE: frozenset({SaleStatus.SOLD_OUT, SaleStatus.ENDED}),
    SaleStatus.SOLD_OUT: frozenset({SaleStatus.LIVE, SaleStatus.ENDED}),
    SaleStatus.ENDED: frozenset(),
    SaleStatus.CANCELLED: frozenset(),
}

# States in which the sale still has a transition ahead that a clock can trigger.
OPEN_STATUSES: frozenset[SaleStatus] = frozenset(
    {SaleStatus.SCHEDULED, SaleStatus.LIVE, SaleStatus.SOLD_OUT}
)


def can_transition(current: SaleStatus, target: SaleStatus) -> bool:
    return target in _EDGES[current]


def transition(current: SaleStatus, target: SaleStatus) -> SaleStatus:
    """Return ``target`` if the edge exists, else raise ``IllegalTransition``."""
    if not can_transition(current, target):
        raise IllegalTransition(f"a flash sale cannot go from {current} to {target}")
    return target


def due_transition(
    status: SaleStatus,
    *,
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
    sold: int,
    quantity: int,
    room_live: bool = True,
) -> SaleStatus | None:
    """The one transition that is due at ``now``, or ``None``.

    A deal sells only while its show is live: a scheduled deal whose start has come
    waits for the show to go live, and one whose whole window passes before that is
    cancelled (it never sold).

    One step at a time: a scheduled sale whose whole window passed while no node was
    running goes ``live`` first and ``ended`` on the next call, so viewers and the
    event log see the same edges as always.
    """
    if status is SaleStatus.SCHEDULED:
        if not room_live:
            return SaleStatus.CANCELLED if now >= ends_at else None
        return SaleStatus.LIVE if now >= starts_at else None
    if status in (SaleStatus.LIVE, SaleStatus.SOLD_OUT) and now >= ends_at:
        return SaleStatus.ENDED
    if status is SaleStatus.LIVE and sold >= quantity:
        return SaleStatus.SOLD_OUT
    if status is SaleStatus.SOLD_OUT and sold < quantity:
        return SaleStatus.LIVE
    return None


def next_deadline(status: SaleStatus, *, starts_at: datetime, ends_at: datetime) -> datetime | None:
    """When the clock next moves this sale, for the scheduler's sleep; ``None`` if never."""
    if status is SaleStatus.SCHEDULED:
        return starts_at
    if status in (SaleStatus.LIVE, SaleStatus.SOLD_OUT):
        return ends_at
    return None
