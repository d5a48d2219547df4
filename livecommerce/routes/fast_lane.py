"""The purchase fast lane: flash-sale attempts answered without FastAPI's machinery.

``POST /api/sales/{id}/orders`` is the request a flash sale multiplies by the crowd.
FastAPI's machinery (routing, dependencies, validation, exception handlers) costs more
than the answer to most of them: the deal sold out, the buyer asked for more than the
per-buyer limit, the buyer taps too fast. This plain ASGI middleware reads the body and
hands it to :func:`routes._purchase.answer_purchase`, the very function the route
calls, so the two cannot answer differently.

It takes the requests the flash-sale clients send, ``Content-Type: application/json``
exactly; any other (another media type, a charset parameter, another method, an id no
row can have) goes on to the route unchanged, body included.
"""

from __future__ import annotations

import re
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecommerce.resources import Resources
from livecommerce.routes._fields import MAX_ROW_ID
from livecommerce.routes._purchase import answer_purchase, from_sale

PATH = re.compile(r"/api/sales/([0-9]{1,18})/orders")
JSON = b"application/json"


class PurchaseFastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sale_id = _sale_id(scope)
        resources: Resources | None = None
        if sale_id is not None:
            resources = getattr(scope["app"].state, "resources", None)
        if sale_id is None or resources is None:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        if body is None:  # the client went away: the route answers as it always has
            await self.app(scope, _replay(messages, receive), send)
            return
        place, refuse = from_sale(resources, sale_id)
        status, headers, content = await answer_purchase(scope, resources, body, place, refuse)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _sale_id(scope: Scope) -> int | None:
    """The sale of a purchase this lane takes, else ``None``."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    match = PATH.fullmatch(scope["path"])
    # An id no row can have goes to the route, whose answer is a plain 404.
    if match is None or not 0 < int(match[1]) <= MAX_ROW_ID:
        return None
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), None)
    return int(match[1]) if content_type == JSON else None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The messages read, and the whole body (``None`` if the client went away)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` for the route: the messages already read, then the live ones."""
    pending = deque(messages)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay
