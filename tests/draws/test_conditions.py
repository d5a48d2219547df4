"""The entry conditions a draw may use."""

from __future__ import annotations

from livecommerce.draws import conditions
from livecommerce.draws.lifecycle import Condition


def test_every_declared_condition_can_be_used() -> None:
    """Each condition the table allows has a qualifier, so a start never refuses one."""
    assert set(conditions.QUALIFIERS) == set(Condition)
    for condition in Condition:
        conditions.require_available(condition)
