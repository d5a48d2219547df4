"""The owner of every background loop and task: stop means signal, grace, then cancel.

Cancelling a loop while it waits on the database can leave a driver connection half
closed (and some drivers swallow the cancellation), and cancelling it between two
statements of a pass leaves the pass half done. So ``stop()`` first sets the
``stopping`` event its tasks run with; a loop notices it at its next ``pause()`` and
ends there, its pass complete. A task still running after the grace period is
cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from livecommerce.hub._tasks import cancel_and_wait

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 5.0
"""How long a pass in progress at shutdown gets to finish before it is cancelled."""

Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]

_STOPPING: contextvars.ContextVar[asyncio.Event] = contextvars.ContextVar("stopping")


class Stopped(asyncio.CancelledError):
    """Raised by ``pause()`` when the app is stopping: the loop ends where it stands."""


class Supervisor:
    """Runs tasks for the app's lifetime and stops them between passes."""

    def __init__(self, *, grace: float = STOP_GRACE_SECONDS) -> None:
        self.grace = grace
        self.stopping = asyncio.Event()
        self._context = contextvars.copy_context()
        self._context.run(_STOPPING.set, self.stopping)
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``coro`` until it returns or the supervisor stops; a strong reference is
        kept meanwhile, so the task cannot be garbage collected mid-way."""
        task = asyncio.create_task(coro, name=name, context=self._context.copy())
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        """Signal, give passes in progress ``grace`` seconds to finish, cancel the rest."""
        self.stopping.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.grace)
        late = set(self._tasks)
        for task in late:
            log.warning("background task %s did not stop within %ss", task.get_name(), self.grace)
        await asyncio.gather(*(cancel_and_wait(task) for task in late))


async def pause(seconds: float) -> None:
    """Sleep ``seconds`` between passes; raise ``Stopped`` if the app is stopping."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        # A driver swallowed a cancellation during the pass: honour it now.
        raise asyncio.CancelledError
    stopping = _STOPPING.get(None)
    if stopping is None:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return
    raise Stopped


async def until_stopped() -> None:
    """Wait until the app is stopping (forever outside a supervisor's task)."""
    stopping = _STOPPING.get(None)
    await (stopping or asyncio.Event()).wait()


def supervised() -> bool:
    """Whether the caller runs in one of a supervisor's tasks (a background loop).

    The context a task starts with travels into SQLAlchemy's greenlets, so an engine
    event can tell a loop's statements from a request's.
    """
    return _STOPPING.get(None) is not None
