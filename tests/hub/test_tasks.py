from __future__ import annotations

import asyncio

from livecommerce.hub._tasks import cancel_and_wait


async def test_a_task_that_swallows_a_cancellation_still_stops() -> None:
    """A loop that eats one CancelledError (as a driver mid-query can) is cancelled
    again, so shutdown finishes instead of hanging."""
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed > 1:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(10):
        await cancel_and_wait(task, grace=0.05)
    assert task.cancelled() and swallowed == 2
