"""Folding a flood of gifts into combos instead of one event per send.

A room gets its gifts one by one (``gift.sent``) up to a rate per node per second.
Past it, a send's event goes to its sender only (``gift.receipt``) and the send is
recorded here after its commit; once per tick each room gets one ``gift.combo`` with
the units per sender and gift. The room's log and every viewer's frames then grow with
the number of ticks, not the number of sends, and no gift goes unshown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from livecommerce.events.base import Emitted
from livecommerce.gifts.events import ComboLine, GiftCombo
from livecommerce.loops import pass_failed, pause

log = logging.getLogger(__name__)

Deliver = Callable[[Sequence[Emitted]], Awaitable[None]]
LINES_PER_COMBO = 20
"""Combo lines one event shows; senders past them are summed into ``more_*``."""


class RoomRate:
    """Sends per room in the current second on this node."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._second: dict[int, tuple[int, int]] = {}

    def one_by_one(self, room_id: int) -> bool:
        """Count a send; True while the room is within its one-by-one rate."""
        now = int(self._clock())
        second, count = self._second.get(room_id, (now, 0))
        if second != now:
            count = 0
        self._second[room_id] = (now, count + 1)
        return count < self.limit


@dataclass(frozen=True, slots=True)
class Folded:
    room_id: int
    sender_id: int
    sender_name: str
    gift_id: int
    gift_name: str
    image_url: str
    quantity: int


class Combos:
    def __init__(self) -> None:
        self._rooms: dict[int, dict[tuple[int, int], ComboLine]] = {}

    def record(self, sent: Folded) -> None:
        lines = self._rooms.setdefault(sent.room_id, {})
        key = (sent.sender_id, sent.gift_id)
        seen = lines.get(key)
        count = sent.quantity + (seen.count if seen else 0)
        lines[key] = ComboLine(
            sender_id=sent.sender_id, sender_name=sent.sender_name, gift_id=sent.gift_id,
            gift_name=sent.gift_name, image_url=sent.image_url, count=count,
        )  # fmt: skip

    def take(self) -> list[Emitted]:
        rooms, self._rooms = self._rooms, {}
        events = []
        for room_id, lines in rooms.items():
            ranked = list(lines.values())  # in order of arrival: no ranking by amount
            shown, rest = ranked[:LINES_PER_COMBO], ranked[LINES_PER_COMBO:]
            more_senders = len({line.sender_id for line in rest})
            combo = GiftCombo(
                combos=shown, more_senders=more_senders, more_count=sum(r.count for r in rest)
            )
            events.append(combo.emitted(room_id))
        return events

    async def flush(self, deliver: Deliver) -> int:
        events = self.take()
        if events:
            await deliver(events)
        return len(events)

    async def run(self, deliver: Deliver, *, interval: float) -> None:
        while True:
            await pause(interval)
            try:
                await self.flush(deliver)
            except Exception as exc:
                pass_failed(log, "publishing gift combos failed", exc)
