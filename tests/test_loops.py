from __future__ import annotations

import asyncio

import pytest

from livecommerce.loops import pause, reraise_if_cancelled


async def test_a_loop_swallowing_errors_still_stops_when_cancelled() -> None:
    """Cancellation disguised as an ordinary error still ends the loop."""
    started = asyncio.Event()

    async def loop() -> None:
        while True:
            try:
                started.set()
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    raise RuntimeError("connection closed in the middle of operation") from None
            except Exception:
                reraise_if_cancelled()
            await asyncio.sleep(0)

    task = asyncio.create_task(loop())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)


async def test_pause_stops_a_loop_whose_cancellation_was_swallowed() -> None:
    """A pass that eats the cancellation and returns still ends the loop at its pause."""
    started = asyncio.Event()

    async def swallowing_query() -> None:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return  # what some drivers do while cleaning up a connection

    async def loop() -> None:
        while True:
            await swallowing_query()
            await pause(10)

    task = asyncio.create_task(loop())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
