"""Coalescing: calls that arrive while one round trip is in flight share the next one.

A flash sale sends its crowd down the same two narrow paths at once: the stock gate
(one Lua call per attempt) and the durable write (one transaction per winner, all on
the same sale row); a busy room's chat goes to the database a hundred messages a second.
Each call alone pays a round trip, and each transaction its own commit. Here the first
call of a group starts a writer; calls arriving while it works wait, and it takes them
all in its next pass: one Redis pipeline, or one transaction for many winners (group
commit, DESIGN section 6) or many chat messages. Under a spike the batch grows with the
load; alone, a call goes at once (a batch of one), so there is no timer and no added
wait.

The writer runs in a task of its own, not in a waiting request: a caller that goes
away cannot cancel work that carries other callers' results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from livecommerce.errors import Unavailable

T = TypeVar("T")
R = TypeVar("R")

WriteMany = Callable[[Sequence[T]], Awaitable[Sequence[R | Exception]]]
"""Does a batch; answers each item with its result or the exception it failed with."""


class Coalescer(Generic[T, R]):
    def __init__(self, *, max_batch: int) -> None:
        self.max_batch = max_batch
        self._waiting: dict[Hashable, list[tuple[T, asyncio.Future[R]]]] = {}
        self._writers: dict[Hashable, asyncio.Task[None]] = {}

    async def submit(self, group: Hashable, item: T, write: WriteMany[T, R]) -> R:
        """Do ``item`` with the others of ``group`` waiting now; its own answer.

        Every submit to a group must pass an equivalent ``write``: the writer keeps the
        one it was started with.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(group, []).append((item, future))
        if group not in self._writers:
            task = asyncio.create_task(self._drain(group, write), name=f"coalesce-{group}")
            self._writers[group] = task
        return await future

    async def idle(self) -> None:
        """Wait until the writers at work now have written all they hold (shutdown)."""
        await asyncio.gather(*self._writers.values(), return_exceptions=True)

    def _take(self, group: Hashable) -> list[tuple[T, asyncio.Future[R]]]:
        waiting = self._waiting.pop(group, [])
        if len(waiting) > self.max_batch:
            self._waiting[group] = waiting[self.max_batch :]
            del waiting[self.max_batch :]
        return waiting

    async def _drain(self, group: Hashable, write: WriteMany[T, R]) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while batch := self._take(group):
                results = await write([item for item, _ in batch])
                for (_, future), result in zip(batch, results, strict=True):
                    _settle(future, result)
        except BaseException as exc:
            # Cancelled (shutdown) or a bug in ``write``: nobody may wait forever.
            for _, future in batch + self._waiting.pop(group, []):
                _fail(future, exc)
            raise
        finally:
            del self._writers[group]


def _settle(future: asyncio.Future[R], result: R | Exception) -> None:
    if future.done():  # its caller went away; the work stands
        return
    if isinstance(result, Exception):
        future.set_exception(result)
    else:
        future.set_result(result)


def _fail(future: asyncio.Future[R], exc: BaseException) -> None:
    if future.done():
        return
    if isinstance(exc, Exception):
        future.set_exception(exc)
    else:  # the writer was cancelled: its work was rolled back (and released) or stands
        future.set_exception(Unavailable("interrupted; retry"))
