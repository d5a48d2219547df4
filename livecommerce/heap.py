"""The heap steward: keeps CPython's full garbage collections short as rooms fill.

A viewer's socket is about 180 GC-tracked objects (server protocol, parser, ASGI
coroutines), so 10,000 viewers put 1.8 million objects in the oldest generation, and
every automatic full collection walks them all: 0.5-1.2 s during which no chat, frame or
order moves. The steward freezes (``gc.freeze``) what has lived through a full pass once
that is more than ``freeze_threshold`` objects, so each full pass walks only what arrived
since the last freeze.

Frozen objects are never collected, and a closed socket leaves about 95 objects in
reference cycles. So the steward counts closed sockets and, once they are as many as
the open ones (at least ``reclaim_minimum``), thaws everything for one full pass and
freezes the survivors again: pinned garbage stays about the size of the live set, and
a room that keeps its viewers never pays a full pass.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from livecommerce.supervisor import pause

FREEZE_THRESHOLD = 50_000
"""Objects a full pass may leave unfrozen: walking them costs 10-30 ms at most."""
RECLAIM_MINIMUM = 1_000
"""Closed sockets that justify a full pass even in a small room (about 95,000 pinned
objects), where the pass itself costs little."""
RECLAIM_EVERY_SECONDS = 5.0
GENERATIONS = 3


class HeapSteward:
    """Times every collection, freezes in steps, and reclaims frozen garbage.

    The statistics are plain attributes read at scrape time (as ``SendTally``): the
    callback runs for every young collection, hundreds of times a second under load.
    """

    def __init__(
        self,
        *,
        freeze_threshold: int = FREEZE_THRESHOLD,
        reclaim_minimum: int = RECLAIM_MINIMUM,
    ) -> None:
        self.freeze_threshold = freeze_threshold
        self.reclaim_minimum = reclaim_minimum
        self.collections = [0] * GENERATIONS
        self.pause_seconds = [0.0] * GENERATIONS
        self.pause_max_seconds = [0.0] * GENERATIONS
        self.freezes = 0
        self.reclaims = 0
        self.open_sockets = 0
        self.closed_since_reclaim = 0
        self._started = 0.0
        # True during our own full pass: it freezes by itself afterwards.
        self._reclaiming = False

    def install(self) -> None:
        """Freeze what startup built and start watching collections."""
        gc.collect()
        gc.freeze()
        gc.callbacks.append(self._on_gc)

    def uninstall(self) -> None:
        """Stop watching and thaw the heap, as it was before ``install``."""
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        gc.unfreeze()

    def note_opened(self) -> None:
        self.open_sockets += 1

    def note_closed(self) -> None:
        """A long-lived object graph (a room socket) ended; its cycles may be frozen."""
        self.open_sockets -= 1
        self.closed_since_reclaim += 1

    def maybe_reclaim(self, open_sockets: int) -> bool:
        """Thaw, collect and refreeze if enough sockets closed since the last time.

        Waiting for as many closes as there are open sockets makes the pass's cost (all
        live objects) at most about the cost of the garbage it frees.
        """
        if self.closed_since_reclaim < max(self.reclaim_minimum, open_sockets):
            return False
        self.closed_since_reclaim = 0
        self._reclaiming = True
        try:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        finally:
            self._reclaiming = False
        self.reclaims += 1
        return True

    async def reclaim_forever(self, every: float = RECLAIM_EVERY_SECONDS) -> None:
        """Check every ``every`` seconds; for ``Resources.spawn``."""
        while True:
            await pause(every)
            self.maybe_reclaim(self.open_sockets)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        generation: int = info["generation"]
        self.collections[generation] += 1
        self.pause_seconds[generation] += pause
        if pause > self.pause_max_seconds[generation]:
            self.pause_max_seconds[generation] = pause
        if generation == GENERATIONS - 1 and not self._reclaiming:
            self._freeze_if_large()

    def _freeze_if_large(self) -> None:
        # Right after a full pass the oldest generation holds exactly its survivors.
        # Freezing only past a threshold, not after every pass, because each freeze
        # also pins the cycles of requests in flight at that moment.
        if len(gc.get_objects(generation=GENERATIONS - 1)) > self.freeze_threshold:
            gc.freeze()
            self.freezes += 1
