"""CORS for the WHIP/WHEP endpoints and sessions (RFC 9725 section 4.2, the WHEP draft).

A WHIP client or WHEP player on another site sends its offer with ``fetch``: the browser
first asks ``OPTIONS`` (a preflight, since ``application/sdp`` and ``Authorization`` are
not simple), then needs ``Access-Control-Allow-Origin`` on every answer, errors included,
and ``Location`` exposed, or it never learns the session URL it must DELETE.

The methods of an endpoint and of a session are written down once, here: the routes'
``OPTIONS`` answer ``Allow`` with them, a preflight gets them as
``Access-Control-Allow-Methods``, and a 405 gets them as ``Allow`` (Starlette's own lists
only the first route that matched the path, which hid POST). No credentials are
allowed: media requests authenticate with a bearer token, never a cookie.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEDIA_PATH = re.compile(r"/api/rooms/[^/]+/(?:whip|whep)(?P<session>/[^/]+)?/?")
ENDPOINT_METHODS = "OPTIONS, GET, HEAD, POST"
SESSION_METHODS = "OPTIONS, GET, HEAD, DELETE"  # no PATCH: no trickle ICE, no ICE restart
EXPOSED = "Location, Link, Accept-Post, Allow, Retry-After, WWW-Authenticate"
REQUEST_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE = "600"


class MediaCors:
    """Adds CORS headers to answers on WHIP/WHEP paths for the allowed origins."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self.app = app
        self._any = "*" in origins
        self._origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = MEDIA_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if path is None:
            await self.app(scope, receive, send)
            return
        methods = SESSION_METHODS if path["session"] else ENDPOINT_METHODS
        request = Headers(scope=scope)
        origin = request.get("origin")
        allowed = origin is not None and (self._any or origin in self._origins)
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in request

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if message["status"] == 405:
                    headers["Allow"] = methods
                if not self._any:
                    headers.add_vary_header("Origin")
                if allowed and origin is not None:
                    self._add(headers, origin, methods if preflight else None)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _add(self, headers: MutableHeaders, origin: str, preflight_methods: str | None) -> None:
        headers["Access-Control-Allow-Origin"] = "*" if self._any else origin
        headers["Access-Control-Expose-Headers"] = EXPOSED
        if preflight_methods is not None:
            headers["Access-Control-Allow-Methods"] = preflight_methods
            headers["Access-Control-Allow-Headers"] = REQUEST_HEADERS
            headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
