"""Factory for ASGI servers started by import string (``uvicorn --factory``, workers)."""

from __future__ import annotations

from fastapi import FastAPI

from livecommerce.app import create_app
from livecommerce.settings import Settings


def app_from_env() -> FastAPI:
    """Build the app from ``LIVECOMMERCE_*`` variables; called by the server, not on import."""
    return create_app(Settings())
