"""Graceful stop for background loops: they end between passes, never mid-query.

Cancelling a loop while it waits on the database can leave a driver connection half
closed (and some drivers swallow the cancellation). So at shutdown the app first sets
the ``stopping`` event its loops were started with; each loop notices it at its next
``pause()`` and ends there. Only a loop that does not end within a grace period is
cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars

STOPPING: contextvars.ContextVar[asyncio.Event] = contextvars.ContextVar("stopping")


class Stopped(asyncio.CancelledError):
    """Raised by ``pause()`` when the app is stopping: the loop ends where it stands."""


async def pause(seconds: float) -> None:
    """Sleep ``seconds`` between passes; raise ``Stopped`` if the app is stopping."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        # A driver swallowed a cancellation during the pass: honour it now.
        raise asyncio.CancelledError
    stopping = STOPPING.get(None)
    if stopping is None:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return
    raise Stopped


def context_for(stopping: asyncio.Event) -> contextvars.Context:
    """A context whose tasks' ``pause()`` watches ``stopping``."""
    context = contextvars.copy_context()
    context.run(STOPPING.set, stopping)
    return context
