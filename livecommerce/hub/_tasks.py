"""Stopping background tasks so that shutdown can never hang on one."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any], *, grace: float = 1.0) -> None:
    """Cancel ``task`` and wait until it is done.

    A library that swallows a cancellation (seen with a database driver cancelled
    mid-query) would otherwise leave its loop running and the awaiting shutdown stuck;
    such a task is cancelled again every ``grace`` seconds until it ends.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=grace)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()  # retrieve it, so asyncio does not log "never retrieved"
