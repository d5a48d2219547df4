"""Progress of a long load-test step, on stderr (stdout keeps only the report)."""

from __future__ import annotations

import sys
import time


def note(text: str) -> None:
    print(f"loadtest: {text}", file=sys.stderr, flush=True)


class Progress:
    """``what: done/total``, at most once a ``every`` seconds, and once when complete."""

    def __init__(self, what: str, total: int, *, every: float = 1.0) -> None:
        self.what, self.total, self.every = what, total, every
        self._last = 0.0
        self._done = -1

    def update(self, done: int) -> None:
        now = time.monotonic()
        finished = done >= self.total
        if done == self._done or (not finished and now - self._last < self.every):
            return
        self._last, self._done = now, done
        note(f"{self.what}: {done}/{self.total}")
