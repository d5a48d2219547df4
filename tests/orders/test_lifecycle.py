"""The order lifecycle: its edges, its timers, and the database's CHECK that follows it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from livecommerce.errors import IllegalTransition
from livecommerce.orders.lifecycle import (
    ORDER_STATUSES,
    TERMINAL,
    OrderStatus,
    can_transition,
    due_transition,
    refund_outcome,
    transition,
)
from livecommerce.storage.models import Order
from tests.orders._after_payment import paid_order
from tests.orders.conftest import World

S = OrderStatus
T0 = datetime(2030, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_happy_path_is_a_chain_of_edges() -> None:
    """placed -> paid -> shipped -> delivered -> completed, each edge legal."""
    path = [S.PENDING_PAYMENT, S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED]
    assert all(can_transition(a, b) for a, b in itertools.pairwise(path))


def test_illegal_edges_raise_with_both_ends() -> None:
    """Skipping payment, or leaving a terminal state, is refused by name."""
    with pytest.raises(IllegalTransition, match="from pending_payment to shipped"):
        transition(S.PENDING_PAYMENT, S.SHIPPED)
    for end in TERMINAL:
        assert not any(can_transition(end, s) for s in S)
    assert {S.COMPLETED, S.REFUNDED, S.CANCELLED, S.EXPIRED} == TERMINAL


def test_refund_outcome_counts_units() -> None:
    """All units back is refunded; fewer is a partial refund."""
    assert refund_outcome(quantity=3, refunded_quantity=3) is S.REFUNDED
    assert refund_outcome(quantity=3, refunded_quantity=1) is S.PARTIALLY_REFUNDED


def test_timers() -> None:
    """Delivered N days after shipping; completed when the return window closes."""
    kw = {"deliver_after": 10 * DAY, "return_window": 7 * DAY}
    assert (
        due_transition(S.SHIPPED, now=T0 + 9 * DAY, shipped_at=T0, delivered_at=None, **kw) is None
    )
    assert (
        due_transition(S.SHIPPED, now=T0 + 10 * DAY, shipped_at=T0, delivered_at=None, **kw)
        is S.DELIVERED
    )
    for status in (S.DELIVERED, S.PARTIALLY_REFUNDED, S.REFUND_REJECTED):
        assert (
            due_transition(status, now=T0 + 7 * DAY, shipped_at=None, delivered_at=T0, **kw)
            is S.COMPLETED
        )
    late = T0 + 99 * DAY
    waiting = due_transition(S.REFUND_REQUESTED, now=late, shipped_at=T0, delivered_at=T0, **kw)
    assert waiting is None


async def test_the_database_accepts_every_status_and_no_other(world: World) -> None:
    """The migrated CHECK on order.status holds exactly the lifecycle's values."""
    order_id = await paid_order(world, world.buyer_ids[0], "k")
    for status in ORDER_STATUSES:
        async with world.db.unit_of_work() as uow:
            await uow.session.execute(
                update(Order).where(Order.id == order_id).values(status=status)
            )
    with pytest.raises(IntegrityError):
        async with world.db.unit_of_work() as uow:
            await uow.session.execute(
                update(Order).where(Order.id == order_id).values(status="lost")
            )
