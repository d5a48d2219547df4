"""Which chat messages a room's viewers see once chat outruns what a person can read."""

from __future__ import annotations

import math
from collections.abc import Callable

from livecommerce.hub.event import Event


class ChatSampler:
    """Sample chat evenly to at most ``rate`` messages a second per room.

    The stride comes from the previous second's chat rate, so a room at 100 messages a
    second and a rate of 20 shows every fifth message. Commerce events and moderation
    are never sampled (``Event.sampled`` is false for them).
    """

    def __init__(self, rate: int, clock: Callable[[], float]) -> None:
        self._rate = max(rate, 1)
        self._clock = clock
        self._window = 0
        self._seen = 0
        self._shown = 0
        self._stride = 1

    def shown(self, event: Event) -> bool:
        if not event.sampled:
            return True
        window = int(self._clock())
        if window != self._window:
            rate = self._seen if window == self._window + 1 else 0
            self._stride = max(1, math.ceil(rate / self._rate))
            self._window, self._seen, self._shown = window, 0, 0
        self._seen += 1
        if self._shown >= self._rate or (self._seen - 1) % self._stride:
            return False
        self._shown += 1
        return True
