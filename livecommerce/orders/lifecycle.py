"""The order lifecycle as a pure state machine: the one home of every order status.

::

    pending_payment ──> paid ──> shipped ──> delivered ──────────────> completed
        │    │                                   │                        ↑  ↑
        │    └──> expired                        ↓                        │  │
        └──> cancelled                    refund_requested ──> refund_rejected
                                              ↑      │                       │
                                              │      ↓                       │
                                              │  refunding ──> refunded      │
                                              │      │                       │
                                              │      ↓                       │
                                              └─ partially_refunded ─────────┘

``paid -> refunding`` is a refund before shipping, with its refund work item for every
unit: a paid group-buy seat whose group failed (or that its buyer left before the group
filled), or the merchant cancelling a paid order they cannot ship
(``orders.cancellation``). Once shipped, only the buyer's return leads back.

``refunding`` is the merchant's approval with the money still on its way: the refund is
a durable work item (``orders.refunds``) and the order leaves ``refunding`` only when
the provider has paid it back, all units (``refunded``) or some (``partially_refunded``,
which may ask for a return of the rest while the window is open). ``completed``,
``refunded``, ``cancelled`` and ``expired`` are terminal.

Nothing here touches a clock or a database: callers pass ``now`` and the timestamps,
and claim the returned transition with a conditional update (``orders.transitions``).
The database's CHECK constraint on ``order.status`` is written by the migrations from
these values (frozen there, as migrations must be); ``tests/orders/test_lifecycle.py``
checks the database refuses any other string and accepts each of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from livecommerce.errors import IllegalTransition


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUND_REQUESTED = "refund_requested"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUND_REJECTED = "refund_rejected"


S = OrderStatus
_EDGES: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.SHIPPED, S.REFUNDING}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUND_REQUESTED}),
    S.REFUND_REQUESTED: frozenset({S.REFUNDING, S.REFUND_REJECTED}),
    S.REFUNDING: frozenset({S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUND_REQUESTED, S.COMPLETED}),
    S.REFUND_REJECTED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

ORDER_STATUSES: tuple[str, ...] = tuple(s.value for s in OrderStatus)
"""Every value the ``order.status`` column may hold."""

HOLDING: frozenset[OrderStatus] = frozenset(set(OrderStatus) - {S.CANCELLED, S.EXPIRED})
"""States whose order still holds its units (less those refunded)."""

RESERVING: tuple[str, ...] = (S.PENDING_PAYMENT.value, S.PAID.value)
"""States in which a flash-sale order counts against the deal (the gate's view)."""

RETURNABLE: frozenset[OrderStatus] = frozenset({S.DELIVERED, S.PARTIALLY_REFUNDED})
"""States from which the buyer may ask for a return (inside the window)."""

MERCHANT_CANCELLABLE: frozenset[OrderStatus] = frozenset({S.PAID})
"""States from which the merchant may cancel an order (refunding it in full)."""

SETTLING: frozenset[OrderStatus] = frozenset({S.DELIVERED, S.PARTIALLY_REFUNDED, S.REFUND_REJECTED})
"""States that become ``completed`` when the return window closes."""

TERMINAL: frozenset[OrderStatus] = frozenset(s for s, e in _EDGES.items() if not e)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in _EDGES[current]


def transition(current: OrderStatus | str, target: OrderStatus) -> OrderStatus:
    """Return ``target`` if the edge exists, else raise ``IllegalTransition``."""
    if not can_transition(OrderStatus(current), target):
        raise IllegalTransition(f"an order cannot go from {current} to {target}")
    return target


def refund_outcome(*, quantity: int, refunded_quantity: int) -> OrderStatus:
    """Where ``refunding`` ends once the provider paid: all units back, or some."""
    return S.REFUNDED if refunded_quantity >= quantity else S.PARTIALLY_REFUNDED


def due_transition(
    status: OrderStatus,
    *,
    now: datetime,
    shipped_at: datetime | None,
    delivered_at: datetime | None,
    deliver_after: timedelta,
    return_window: timedelta,
) -> OrderStatus | None:
    """The one clock-driven transition due at ``now``, or ``None``.

    A shipment nobody confirmed is delivered ``deliver_after`` after shipping; an order
    whose return window closed with no return in flight is completed.
    """
    if status is S.SHIPPED and shipped_at is not None and now >= shipped_at + deliver_after:
        return S.DELIVERED
    if status in SETTLING and delivered_at is not None and now >= delivered_at + return_window:
        return S.COMPLETED
    return None


def return_window_open(*, now: datetime, delivered_at: datetime | None, window: timedelta) -> bool:
    return delivered_at is not None and now < delivered_at + window
