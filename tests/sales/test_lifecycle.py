from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livecommerce.errors import IllegalTransition
from livecommerce.sales.lifecycle import (
    SaleStatus,
    can_transition,
    due_transition,
    next_deadline,
    transition,
)

S = SaleStatus
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=10)

LEGAL = {
    (S.SCHEDULED, S.LIVE),
    (S.SCHEDULED, S.CANCELLED),
    (S.LIVE, S.SOLD_OUT),
    (S.LIVE, S.ENDED),
    (S.SOLD_OUT, S.LIVE),
    (S.SOLD_OUT, S.ENDED),
}
ILLEGAL = [(a, b) for a in S for b in S if (a, b) not in LEGAL]


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_edges_return_the_target(current: SaleStatus, target: SaleStatus) -> None:
    """Every edge of the drawn graph is allowed."""
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_edges_raise_with_an_exact_message(current: SaleStatus, target: SaleStatus) -> None:
    """Any other move raises IllegalTransition naming both states."""
    with pytest.raises(IllegalTransition) as info:
        transition(current, target)
    assert info.value.message == f"a flash sale cannot go from {current.value} to {target.value}"
    assert info.value.code == "illegal_transition"


def test_ended_and_cancelled_are_terminal() -> None:
    """Nothing leaves ended or cancelled."""
    for status in (S.ENDED, S.CANCELLED):
        assert not any(can_transition(status, t) for t in S)


def test_cancel_is_only_possible_before_start() -> None:
    """A live sale cannot be cancelled; only a scheduled one can."""
    assert [s for s in S if can_transition(s, S.CANCELLED)] == [S.SCHEDULED]


def due(status: SaleStatus, now: datetime, sold: int = 0, quantity: int = 10) -> SaleStatus | None:
    return due_transition(
        status, now=now, starts_at=START, ends_at=END, sold=sold, quantity=quantity
    )


def test_scheduled_waits_for_its_start() -> None:
    """A scheduled sale goes live exactly at starts_at, not a microsecond before."""
    assert due(S.SCHEDULED, START - timedelta(microseconds=1)) is None
    assert due(S.SCHEDULED, START) is S.LIVE


def test_scheduled_sale_whose_window_passed_goes_live_first() -> None:
    """A missed window is walked one edge at a time: live, then ended."""
    late = END + timedelta(hours=1)
    assert due(S.SCHEDULED, late) is S.LIVE
    assert due(S.LIVE, late) is S.ENDED


def test_live_sells_out_when_sold_reaches_quantity() -> None:
    """Selling the last unit makes the live sale sold out."""
    assert due(S.LIVE, START, sold=9) is None
    assert due(S.LIVE, START, sold=10) is S.SOLD_OUT


def test_sold_out_goes_live_again_when_stock_returns() -> None:
    """An expired order returning stock inside the window reopens the sale."""
    assert due(S.SOLD_OUT, START, sold=10) is None
    assert due(S.SOLD_OUT, START, sold=9) is S.LIVE


def test_the_end_wins_over_stock() -> None:
    """At ends_at a live or sold-out sale ends whatever its stock."""
    assert due(S.LIVE, END, sold=10) is S.ENDED
    assert due(S.SOLD_OUT, END, sold=3) is S.ENDED
    assert due(S.LIVE, END - timedelta(microseconds=1)) is None


def test_terminal_states_have_nothing_due() -> None:
    """Ended and cancelled sales never move again."""
    for status in (S.ENDED, S.CANCELLED):
        assert due(status, END + timedelta(days=1)) is None


def test_next_deadline_is_the_start_then_the_end() -> None:
    """The scheduler sleeps until starts_at, then until ends_at, then not at all."""
    assert next_deadline(S.SCHEDULED, starts_at=START, ends_at=END) == START
    assert next_deadline(S.LIVE, starts_at=START, ends_at=END) == END
    assert next_deadline(S.SOLD_OUT, starts_at=START, ends_at=END) == END
    assert next_deadline(S.ENDED, starts_at=START, ends_at=END) is None


@given(
    status=st.sampled_from(list(S)),
    offset=st.integers(min_value=-1200, max_value=1200),
    sold=st.integers(min_value=0, max_value=10),
)
def test_due_transitions_are_legal_and_settle(status: SaleStatus, offset: int, sold: int) -> None:
    """Applying due transitions only walks legal edges and stops within two steps."""
    now = START + timedelta(seconds=offset)
    for _ in range(2):
        target = due(status, now, sold=sold)
        if target is None:
            break
        status = transition(status, target)
    assert due(status, now, sold=sold) is None
