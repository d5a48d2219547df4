"""A guard for background loops that log and carry on after errors."""

from __future__ import annotations

import asyncio


def reraise_if_cancelled() -> None:
    """Re-raise cancellation that a library turned into an ordinary exception.

    A task cancelled mid-query can see the cancellation surface as a driver error
    (connection closed in the middle of an operation). A loop that logs errors and
    carries on would then swallow its own shutdown and keep the app from stopping.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def pause(seconds: float) -> None:
    """Sleep between passes, unless a cancellation was swallowed during the pass.

    Some drivers catch the cancellation of a query, clean up and return normally; the
    task stays marked as cancelling but the next sleep would never see it.
    """
    reraise_if_cancelled()
    await asyncio.sleep(seconds)
