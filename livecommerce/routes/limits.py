"""Request size limit, as plain ASGI so it also guards bodies sent without a length."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DISCONNECT: Message = {"type": "http.disconnect"}


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, uploads: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = dict(uploads or {})
        """Paths that take files, each with its own (larger) limit."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self.refuse(send, limit)
            return
        await _Counted(self, limit, receive, send).run(scope)

    async def refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {"error": {"code": "too_large", "message": f"body over {limit} bytes"}}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            # The rest of the body is never read: the connection cannot carry another request.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _Counted:
    """One request whose body is counted as the app reads it (a chunked body has no
    length to check up front). Past the limit it answers 413 at once and, to the app,
    the client has gone: the app stops reading, and whatever it answers is dropped."""

    def __init__(self, limit: BodyLimit, max_bytes: int, receive: Receive, send: Send) -> None:
        self._limit, self._receive, self._send = limit, receive, send
        self._max_bytes = max_bytes
        self._seen = 0
        self._started = self._refused = self._answered = False

    async def run(self, scope: Scope) -> None:
        await self._limit.app(scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self._refused:
            return _DISCONNECT
        message = await self._receive()
        self._seen += len(message.get("body", b""))
        if self._seen <= self._max_bytes:
            return message
        self._refused = True
        if not self._started:  # a streamed answer already under way cannot become a 413
            self._answered = True
            await self._limit.refuse(self._send, self._max_bytes)
        return _DISCONNECT

    async def send(self, message: Message) -> None:
        if self._answered:
            return
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)
