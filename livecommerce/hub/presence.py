"""Presence and likes: who is watching, how many liked, peak and unique viewers.

Every node counts its own sockets per room and reports them once per counter tick; a
room's viewer count is the sum over live nodes. Likes are counted locally and added up
once per tick too, so a storm of taps costs one write per room per second, not one per
tap. The in-memory adapter is the embedded shape; the Redis one is in
:mod:`livecommerce.hub.redis_presence`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RoomCounters:
    """What viewers see: the live counts sent as ``viewers.count`` and ``likes.count``."""

    viewers: int
    likes: int


@dataclass(frozen=True, slots=True)
class PresenceStats:
    """What the dashboard sees."""

    viewers: int
    peak: int
    unique: int
    likes: int


@dataclass(slots=True)
class NodeReport:
    """One node's news since its last report."""

    # Sockets per room on this node now; 0 for rooms it just left (to withdraw its share).
    sockets: dict[int, int] = field(default_factory=dict)
    # Likes tapped on this node since the last report.
    likes: dict[int, int] = field(default_factory=dict)
    # Viewer identities (user id, or an anonymous client id) that joined since then.
    joined: dict[int, set[str]] = field(default_factory=dict)


class Presence(Protocol):
    async def sync(self, report: NodeReport) -> dict[int, RoomCounters]:
        """Record this node's report; return the totals of the rooms it has sockets in."""
        ...

    async def stats(self, room_id: int) -> PresenceStats: ...

    async def leave(self, rooms: Iterable[int]) -> None:
        """Withdraw this node's counts at once (on shutdown) instead of waiting for TTLs."""
        ...


class MemoryPresence:
    """One node: its own counts are the totals."""

    def __init__(self) -> None:
        self._sockets: dict[int, int] = {}
        self._likes: dict[int, int] = {}
        self._peak: dict[int, int] = {}
        self._unique: dict[int, set[str]] = {}

    async def sync(self, report: NodeReport) -> dict[int, RoomCounters]:
        for room_id, count in report.sockets.items():
            self._sockets[room_id] = count
            self._peak[room_id] = max(self._peak.get(room_id, 0), count)
        for room_id, taps in report.likes.items():
            self._likes[room_id] = self._likes.get(room_id, 0) + taps
        for room_id, who in report.joined.items():
            self._unique.setdefault(room_id, set()).update(who)
        return {
            room_id: RoomCounters(count, self._likes.get(room_id, 0))
            for room_id, count in report.sockets.items()
            if count > 0
        }

    async def stats(self, room_id: int) -> PresenceStats:
        return PresenceStats(
            viewers=self._sockets.get(room_id, 0),
            peak=self._peak.get(room_id, 0),
            unique=len(self._unique.get(room_id, ())),
            likes=self._likes.get(room_id, 0),
        )

    async def leave(self, rooms: Iterable[int]) -> None:
        for room_id in rooms:
            self._sockets.pop(room_id, None)


def merge_counts(counts: Mapping[str, int], alive: Iterable[str]) -> int:
    """Sum the per-node counts of the nodes still alive."""
    live = set(alive)
    return sum(count for node, count in counts.items() if node in live)
