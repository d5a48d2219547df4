"""Request ids, one structured log line per request, and HTTP metrics."""

from __future__ import annotations

import logging
import secrets
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecommerce.routes.errors import error_body

log = logging.getLogger("livecommerce.http")

QUIET = ("/healthz", "/readyz", "/metrics", "/static/")
"""Probes and assets would drown the log; they are still counted."""


def _given_id(scope: Scope) -> str | None:
    """The client's request id ("" if none was sent), or ``None`` if it is not UTF-8."""
    try:
        given: str = dict(scope["headers"]).get(b"x-request-id", b"").decode()
    except UnicodeDecodeError:
        return None
    return given[:64]


def _refused_id() -> ASGIApp:
    return JSONResponse(error_body("bad_request", "X-Request-ID must be UTF-8 text"), 400)


class Observe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _given_id(scope)
        request_id = given or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        app = self.app if given is not None else _refused_id()
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        resources = getattr(scope["app"].state, "resources", None)
        if resources is not None:
            resources.metrics.http_requests.labels(status=f"{status // 100}xx").inc()
        path: str = scope["path"]
        if path.startswith(QUIET) and status < 500:
            return
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "path": path,
                "status": status,
                "ms": round(seconds * 1000, 1),
            },
        )
