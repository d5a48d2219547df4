"""The server's own startup hooks (``livecommerce.asgi``), run by a real lifespan."""

from __future__ import annotations

import gc
import sys

from livecommerce.app import create_app
from livecommerce.asgi import THREAD_HANDOFF_SECONDS, quicken_thread_handoffs, serving_app
from livecommerce.settings import Settings


async def test_thread_handoffs_are_quick_while_serving_and_restored_after(
    settings: Settings,
) -> None:
    before = sys.getswitchinterval()
    assert before != THREAD_HANDOFF_SECONDS
    app = create_app(settings, on_startup=[quicken_thread_handoffs])
    async with app.router.lifespan_context(app):
        assert sys.getswitchinterval() == THREAD_HANDOFF_SECONDS
    assert sys.getswitchinterval() == before


def _interpreter() -> tuple[float, int, int]:
    return sys.getswitchinterval(), len(gc.callbacks), gc.get_freeze_count()


async def test_only_the_served_app_tunes_the_process(settings: Settings) -> None:
    """``serve``'s app quickens GIL hand-offs and freezes the heap while it runs and
    undoes both after; an app from ``create_app`` alone changes neither."""
    before = _interpreter()
    plain = create_app(settings)
    async with plain.router.lifespan_context(plain):
        assert _interpreter() == before
    served = serving_app(settings.model_copy(update={"heap_freeze": True}))
    async with served.router.lifespan_context(served):
        interval, callbacks, frozen = _interpreter()
        assert interval == THREAD_HANDOFF_SECONDS and callbacks == before[1] + 1 and frozen > 0
        assert served.state.resources.heap is not None
    assert _interpreter() == before
