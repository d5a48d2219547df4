"""Factory for ASGI servers started by import string (``uvicorn --factory``, workers)."""

from __future__ import annotations

from fastapi import FastAPI

from livecommerce.app import StartupHook, create_app
from livecommerce.heap import HeapSteward
from livecommerce.resources import Resources
from livecommerce.settings import Settings


def app_from_env() -> FastAPI:
    """Build the app from ``LIVECOMMERCE_*`` variables; called by the server, not on import."""
    settings = Settings()
    hooks: list[StartupHook] = [steward_heap] if settings.heap_freeze else []
    return create_app(settings, on_startup=hooks)


async def steward_heap(resources: Resources) -> None:
    """Keep full garbage collections short for the life of the server (livecommerce.heap).

    Only the server process does this: the garbage collector is the process's, and test
    apps built by ``create_app`` share a process.
    """
    steward = HeapSteward()
    steward.install()

    async def uninstall() -> None:
        steward.uninstall()

    resources.on_close(uninstall)  # registered first, so it runs after the loop stopped
    resources.heap = steward
    resources.metrics.watch_heap(steward)
    resources.spawn(steward.reclaim_forever(), "heap-reclaim")
