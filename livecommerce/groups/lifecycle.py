"""The group-buy lifecycle as a pure state machine: the one home of every group status.

::

    open ──> completed     every seat paid
      │ └──> failed        the time limit passed first (each paid member is refunded)
      └────> cancelled     the last member left before it filled

All but ``open`` are terminal. Transitions are claimed with a conditional update
(``WHERE status = 'open'``), so one node, request or timer performs each.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from livecommerce.errors import IllegalTransition


class GroupStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


G = GroupStatus
_EDGES: Mapping[GroupStatus, frozenset[GroupStatus]] = {
    G.OPEN: frozenset({G.COMPLETED, G.FAILED, G.CANCELLED}),
    G.COMPLETED: frozenset(),
    G.FAILED: frozenset(),
    G.CANCELLED: frozenset(),
}

GROUP_STATUSES: tuple[str, ...] = tuple(s.value for s in GroupStatus)
"""Every value the ``group_buy.status`` column may hold."""

MIN_SIZE, MAX_SIZE = 2, 100


def transition(current: GroupStatus | str, target: GroupStatus) -> GroupStatus:
    """Return ``target`` if the edge exists, else raise ``IllegalTransition``."""
    if target not in _EDGES[GroupStatus(current)]:
        raise IllegalTransition(f"a group cannot go from {current} to {target}")
    return target
