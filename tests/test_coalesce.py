from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from livecommerce.coalesce import Coalescer
from livecommerce.errors import Unavailable


class Recorder:
    """A batch writer that doubles numbers, refuses negative ones and can be held."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def write(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        await self.gate.wait()
        return [ValueError(i) if i < 0 else i * 2 for i in items]


async def test_calls_arriving_together_share_one_batch() -> None:
    """Submits made in the same moment are written in one call, each with its own answer."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=100)
    answers = await asyncio.gather(*(coalescer.submit("g", i, writer.write) for i in range(5)))
    assert answers == [0, 2, 4, 6, 8]
    assert writer.batches == [[0, 1, 2, 3, 4]]


async def test_calls_arriving_during_a_write_go_in_the_next_one() -> None:
    """While a batch is in flight, new submits wait and go together in the next batch."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=100)
    writer.gate.clear()
    first = asyncio.ensure_future(coalescer.submit("g", 1, writer.write))
    await asyncio.sleep(0)
    later = [asyncio.ensure_future(coalescer.submit("g", i, writer.write)) for i in (2, 3)]
    await asyncio.sleep(0)
    writer.gate.set()
    assert await asyncio.gather(first, *later) == [2, 4, 6]
    assert writer.batches == [[1], [2, 3]]


async def test_batches_are_capped_and_groups_are_apart() -> None:
    """A group's batch holds at most max_batch items; another group has its own writer."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=2)
    calls = [coalescer.submit("a", i, writer.write) for i in range(5)]
    calls.append(coalescer.submit("b", 9, writer.write))
    assert await asyncio.gather(*calls) == [0, 2, 4, 6, 8, 18]
    assert sorted(writer.batches) == [[0, 1], [2, 3], [4], [9]]


async def test_one_failed_item_fails_only_its_caller() -> None:
    """An item answered with an exception raises it in its own caller only."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=100)
    good, bad = coalescer.submit("g", 1, writer.write), coalescer.submit("g", -1, writer.write)
    results = await asyncio.gather(good, bad, return_exceptions=True)
    assert results[0] == 2 and isinstance(results[1], ValueError)


async def test_a_caller_going_away_does_not_cancel_the_write() -> None:
    """Cancelling one waiter leaves the batch, and the other callers' answers, intact."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=100)
    writer.gate.clear()
    leaving = asyncio.ensure_future(coalescer.submit("g", 1, writer.write))
    staying = asyncio.ensure_future(coalescer.submit("g", 2, writer.write))
    await asyncio.sleep(0.01)
    leaving.cancel()
    writer.gate.set()
    assert await staying == 4
    assert writer.batches == [[1, 2]]


async def test_a_writer_that_breaks_answers_everyone() -> None:
    """A write that raises fails every waiter of its batch; nobody waits forever."""

    async def broken(items: Sequence[int]) -> list[int | Exception]:
        raise RuntimeError("bug")

    coalescer = Coalescer[int, int](max_batch=100)
    results = await asyncio.gather(
        *(coalescer.submit("g", i, broken) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await coalescer.submit("g", 4, Recorder().write) == 8  # the group works again


async def test_a_cancelled_writer_answers_unavailable() -> None:
    """If the writer task is cancelled (shutdown), its waiters hear Unavailable."""
    writer, coalescer = Recorder(), Coalescer[int, int](max_batch=100)
    writer.gate.clear()
    waiting = asyncio.ensure_future(coalescer.submit("g", 1, writer.write))
    await asyncio.sleep(0.01)
    for task in asyncio.all_tasks():
        if task.get_name() == "coalesce-g":
            task.cancel()
    with pytest.raises(Unavailable):
        await waiting
