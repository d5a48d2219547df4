"""The address a request or socket comes from, for per-client limits.

Minimal version: the direct peer's address from the ASGI scope. A deployment behind a
reverse proxy sees the proxy here; trusted-proxy headers are read by the fuller version
of this module.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import Scope

from livecommerce.settings import Settings


def client_address(request_or_scope: HTTPConnection | Scope, settings: Settings) -> str:
    """The client's IP address as text, or ``"unknown"`` when the server gives none."""
    del settings  # the trusted-proxy settings are read by the fuller version
    scope = (
        request_or_scope.scope if isinstance(request_or_scope, HTTPConnection) else request_or_scope
    )
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
