from __future__ import annotations

import asyncio
import contextlib

from livecommerce.shutdown import context_for, pause


async def test_loop_ends_at_its_next_pause_not_mid_pass() -> None:
    """Setting ``stopping`` lets a loop finish its pass and end at the next pause."""
    stopping = asyncio.Event()
    passes: list[str] = []

    async def loop() -> None:
        while True:
            passes.append("start")
            await asyncio.sleep(0.05)  # a "query" that must not be interrupted
            passes.append("end")
            await pause(3600)

    task = asyncio.create_task(loop(), context=context_for(stopping))
    await asyncio.sleep(0.01)
    stopping.set()
    async with asyncio.timeout(5):
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert passes == ["start", "end"]


async def test_pause_without_a_stop_event_just_sleeps() -> None:
    """Outside an app (no stop event), pause is a plain sleep."""
    async with asyncio.timeout(5):
        await pause(0.01)
