"""The server's own startup hooks (``livecommerce.asgi``), run by a real lifespan."""

from __future__ import annotations

import sys

from livecommerce.app import create_app
from livecommerce.asgi import THREAD_HANDOFF_SECONDS, quicken_thread_handoffs
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
