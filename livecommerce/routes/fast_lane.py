"""The fast lanes: the requests a crowd multiplies, answered without FastAPI's machinery.

A flash-sale purchase (``POST /api/sales/{id}/orders``) and a coupon claim
(``POST /api/coupons/drops/{id}/claims``) are the requests a live show multiplies by
its audience. FastAPI's machinery (routing, dependencies, validation, exception
handlers) costs more than the answer to most of them: sold out, over the limit, every
coupon gone. This plain ASGI middleware reads the body and hands it to the lane's answer
function, the very function the route calls (``routes._purchase.answer_purchase``,
``routes._claim.answer_claim``), so the two cannot answer differently.

Each lane takes only the requests its clients send: ``POST``, an id a row can have, and
the content types the lane names exactly; any other (another media type, a charset
parameter, another method, an id no row can have) goes on to the route unchanged, body
included.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecommerce.resources import Resources
from livecommerce.routes._claim import answer_claim
from livecommerce.routes._fields import MAX_ROW_ID
from livecommerce.routes._purchase import Rendered, answer_purchase, from_sale

JSON = b"application/json"
Answer = Callable[[Scope, Resources, int, bytes], Awaitable[Rendered]]


@dataclass(frozen=True, slots=True)
class Lane:
    path: re.Pattern[str]  # one group: the row id
    content_types: frozenset[bytes | None]  # None: no Content-Type header
    answer: Answer


async def _purchase(scope: Scope, resources: Resources, sale_id: int, body: bytes) -> Rendered:
    place, refuse = from_sale(resources, sale_id)
    return await answer_purchase(scope, resources, body, place, refuse)


async def _claim(scope: Scope, resources: Resources, drop_id: int, body: bytes) -> Rendered:
    return await answer_claim(scope, resources, drop_id)  # a claim's body is not read


PURCHASE = Lane(re.compile(r"/api/sales/([0-9]{1,18})/orders"), frozenset({JSON}), _purchase)
# A claim has no body: clients send it bare or with their usual JSON content type.
CLAIM = Lane(
    re.compile(r"/api/coupons/drops/([0-9]{1,18})/claims"), frozenset({JSON, None}), _claim
)
LANES = (PURCHASE, CLAIM)


class FastLane:
    def __init__(self, app: ASGIApp, lanes: tuple[Lane, ...] = LANES) -> None:
        self.app = app
        self.lanes = lanes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        taken = self._taken(scope)
        resources: Resources | None = None
        if taken is not None:
            resources = getattr(scope["app"].state, "resources", None)
        if taken is None or resources is None:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        if body is None:  # the client went away: the route answers as it always has
            await self.app(scope, _replay(messages, receive), send)
            return
        lane, row_id = taken
        status, headers, content = await lane.answer(scope, resources, row_id, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _taken(self, scope: Scope) -> tuple[Lane, int] | None:
        """The lane that takes this request and its row id, else ``None``."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path = scope["path"]
        for lane in self.lanes:
            match = lane.path.fullmatch(path)
            if match is None:
                continue
            # An id no row can have goes to the route, whose answer is a plain 404.
            if not 0 < int(match[1]) <= MAX_ROW_ID:
                return None
            content_type = next((v for k, v in scope["headers"] if k == b"content-type"), None)
            return (lane, int(match[1])) if content_type in lane.content_types else None
        return None


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
