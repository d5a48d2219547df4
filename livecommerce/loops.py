"""Guards for background loops that log and carry on after errors (any domain uses them)."""

from __future__ import annotations

import asyncio
import logging

from livecommerce import supervisor
from livecommerce.errors import Unavailable


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
    """Sleep between passes; ends the loop when the app stops (``livecommerce.supervisor``)."""
    await supervisor.pause(seconds)


def pass_failed(log: logging.Logger, what: str, error: Exception) -> None:
    """Log a failed pass; the loop carries on. A dependency that is down (the database
    restarting) is a warning with its message, not a traceback every pass."""
    reraise_if_cancelled()
    if isinstance(error, Unavailable):
        log.warning("%s: %s", what, error.message)
    else:
        log.error(what, exc_info=error)
