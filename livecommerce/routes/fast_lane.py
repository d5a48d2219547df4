"""The purchase fast lane: flash-sale attempts answered without FastAPI's machinery.

``POST /api/sales/{id}/orders`` is the request a flash sale multiplies by the crowd.
FastAPI's machinery (routing, dependencies, validation, exception handlers) costs more
than the answer to most of them: the deal sold out, the buyer asked for more than the
per-buyer limit, the buyer taps too fast. This plain ASGI middleware answers a
well-formed attempt by a signed-in buyer itself, with the route's own steps
(``routes.orders.purchase`` around ``orders.placement.place_order``) and the route's
bytes. A refusal known without any I/O (``placement.quick_refusal``: sold out here,
over the limit, cancelled) is answered without an exception or an await on the
database or the gate.

Anything it does not accept exactly as the route would (unusual headers, a body other
than ``{"quantity": n}``, a missing, bad or expired token, a cookie without its CSRF
token, a header the route would reject) goes on to the route unchanged, body
included, and the route answers as it always has.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecommerce.accounts.tokens import Claims, TokenSigner
from livecommerce.errors import DomainError, NotAuthenticated, RateLimited, Unavailable
from livecommerce.orders.placement import place_order, quick_refusal
from livecommerce.resources import Resources
from livecommerce.routes._fields import MAX_ROW_ID
from livecommerce.routes.deps import CSRF_HEADER, SESSION_COOKIE, revocations_of
from livecommerce.routes.errors import error_response, status_of
from livecommerce.routes.orders import MAX_KEY_HEADER, MAX_QUANTITY, count_attempt, purchase
from livecommerce.storage.outage import OUTAGE_SOURCES, is_outage, unavailable

PATH = re.compile(r"/api/sales/([0-9]{1,18})/orders")
# Headers read here; a request carrying any of them twice goes to the route.
_READ = frozenset({b"authorization", b"content-type", b"idempotency-key", CSRF_HEADER.encode()})
# FastAPI serialises the route's ``dict[str, Any]`` with this (its ``dump_json`` path).
_ORDER_JSON = TypeAdapter(dict[str, Any])
MAX_RENDERED = 256  # distinct refusals kept rendered; a handful in practice

Rendered = tuple[int, list[tuple[bytes, bytes]], bytes]


@dataclass(frozen=True, slots=True)
class _Attempt:
    buyer_id: int
    sale_id: int
    quantity: int
    key: str
    token: Claims


class PurchaseFastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._refusals = _Refusals()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        # An id no row can have goes to the route, whose answer is a plain 404.
        if match is None or scope["method"] != "POST" or not 0 < int(match[1]) <= MAX_ROW_ID:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        resources: Resources | None = getattr(scope["app"].state, "resources", None)
        attempt = None
        if resources is not None and body is not None:
            attempt = _attempt(scope, int(match[1]), body, resources)
        if attempt is not None and resources is not None:
            try:
                attempt = await _unrevoked(scope, resources, attempt)
            except Unavailable as exc:
                # The token check needed the database (no cached generation) during an
                # outage: the route's 503, not a 500 from outside its error handlers.
                await _send(send, self._refusals.render(scope, exc))
                return
        if attempt is None or resources is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        await _send(send, await self._answer(scope, resources, attempt))

    async def _answer(self, scope: Scope, resources: Resources, attempt: _Attempt) -> Rendered:
        checkout = resources.checkout
        refusal = quick_refusal(
            checkout, buyer_id=attempt.buyer_id, sale_id=attempt.sale_id,
            quantity=attempt.quantity, key=attempt.key,
        )  # fmt: skip
        if refusal is not None:
            return await self._refuse(scope, resources, attempt.buyer_id, refusal)
        place = partial(
            place_order, checkout, buyer_id=attempt.buyer_id, sale_id=attempt.sale_id,
            quantity=attempt.quantity, key=attempt.key,
        )  # fmt: skip
        try:
            placed = await purchase(resources, attempt.buyer_id, place)
        except DomainError as exc:
            return self._refusals.render(scope, exc)
        except OUTAGE_SOURCES as exc:  # as routes.errors answers what escaped a unit of work
            if not is_outage(exc):
                raise
            return self._refusals.render(scope, unavailable(exc))
        content = _ORDER_JSON.dump_json(placed.order.as_dict())
        response = Response(content, 201 if placed.created else 200, media_type="application/json")
        return response.status_code, response.raw_headers, content

    async def _refuse(
        self, scope: Scope, resources: Resources, buyer_id: int, refusal: DomainError
    ) -> Rendered:
        """As ``purchase`` would end: the attempt limit first, then the refusal."""
        try:
            await count_attempt(resources, buyer_id)
        except RateLimited as exc:
            refusal = exc
        resources.metrics.orders.labels(refusal.code).inc()
        return self._refusals.render(scope, refusal)


class _Refusals:
    """Refusals as ``routes.errors`` renders a domain error, rendered once each: a sale
    refuses thousands of buyers a second with the same few answers."""

    def __init__(self) -> None:
        self._rendered: dict[tuple[type[DomainError], str, str | None], Rendered] = {}

    def render(self, scope: Scope, refusal: DomainError) -> Rendered:
        retry_after = getattr(refusal, "retry_after", None)
        retry = None if retry_after is None else str(max(1, round(retry_after)))
        key = (type(refusal), refusal.message, retry)
        found = self._rendered.get(key)
        if found is None:
            status = status_of(refusal)
            response = error_response(Request(scope), status, refusal.code, refusal.message)
            if retry is not None:
                response.headers["Retry-After"] = retry
            if len(self._rendered) >= MAX_RENDERED:
                self._rendered.clear()
            found = self._rendered[key] = (status, response.raw_headers, bytes(response.body))
        status, headers, content = found
        return status, list(headers), content  # middlewares may extend the list


async def _send(send: Send, rendered: Rendered) -> None:
    status, headers, content = rendered
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


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


def _attempt(scope: Scope, sale_id: int, body: bytes, resources: Resources) -> _Attempt | None:
    """The attempt, if the route would accept it as well formed from a signed-in buyer."""
    headers: dict[bytes, bytes] = {}
    cookies: list[bytes] = []
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.append(value)
        elif name in _READ:
            if name in headers:
                return None
            headers[name] = value
    if headers.get(b"content-type") != b"application/json":
        return None
    quantity = _quantity(body)
    key = headers.get(b"idempotency-key")
    if quantity is None or key is None or len(key) > MAX_KEY_HEADER:
        return None
    token = _token(resources, headers, cookies)
    if token is None:
        return None
    return _Attempt(token.principal.user_id, sale_id, quantity, key.decode("latin-1"), token)


async def _unrevoked(scope: Scope, resources: Resources, attempt: _Attempt) -> _Attempt | None:
    """The attempt if its token was not revoked; a revoked one goes to the route, which
    refuses it as ``routes.deps`` does. Cached per node: no I/O on most attempts."""
    try:
        await revocations_of(scope["app"].state, resources).check(attempt.token)
    except NotAuthenticated:
        return None
    return attempt


def _quantity(body: bytes) -> int | None:
    """``OrderIn.quantity`` if the route would accept the body, else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # the route refuses both (400)
        return None
    if not isinstance(data, dict) or not data.keys() <= {"quantity"}:
        return None
    quantity = data.get("quantity", 1)
    # Strict, as OrderIn is: a bool or a float is not a quantity.
    if type(quantity) is not int or not -MAX_QUANTITY <= quantity <= MAX_QUANTITY:
        return None
    return quantity


def _token(
    resources: Resources, headers: dict[bytes, bytes], cookies: list[bytes]
) -> Claims | None:
    """The caller's token as ``routes.deps.current_principal`` finds it (revocation
    aside), or ``None`` where the route would refuse (no token, a bad token, a cookie
    without a valid CSRF token)."""
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return _read(resources.tokens, token.strip())
    jar: dict[str, str] = {}
    for cookie in cookies:
        jar.update(cookie_parser(cookie.decode("latin-1")))
    session = jar.get(SESSION_COOKIE)
    claims = _read(resources.tokens, session) if session else None
    if claims is None:
        return None
    # Every request here is an unsafe /api one: a cookie needs its CSRF token.
    csrf = _read(resources.csrf, headers.get(CSRF_HEADER.encode(), b"").decode("latin-1"))
    owner = csrf.principal.user_id if csrf is not None else None
    return claims if owner == claims.principal.user_id else None


def _read(signer: TokenSigner, token: str) -> Claims | None:
    try:
        return signer.read(token)
    except NotAuthenticated:
        return None
