"""The purchase path: one parser, one authenticator, one renderer for every purchase.

A purchase (``POST /api/sales/{id}/orders``, ``POST /api/rooms/{r}/products/{p}/orders``)
is answered by :func:`answer_purchase` whether it came through its FastAPI route
(``routes.orders``) or the lean entry the flash sale needs (``routes.fast_lane``): who
the caller is (``routes.deps``'s token and CSRF rules), what they want, the per-buyer
attempt limit, the attempt, and the answer's bytes. Both callers hand it the ASGI scope
and the body, so neither needs the other's machinery and nothing is kept in step twice.

Order of checks: the caller first (401, 403), then the request (400 for a body that is
not JSON, 422 for a value that breaks a rule), then the domain (409, 429, 503).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import Scope

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import DomainError, InvalidInput, NotAuthenticated
from livecommerce.orders import placement, shelf
from livecommerce.orders.views import PlacedOrder
from livecommerce.resources import Resources
from livecommerce.routes._fields import MAX_ROW_ID
from livecommerce.routes.deps import (
    CSRF_HEADER,
    NO_CALLER,
    SESSION_COOKIE,
    check_csrf,
    token_of,
)
from livecommerce.routes.errors import error_response, status_of
from livecommerce.storage.outage import OUTAGE_SOURCES, is_outage, unavailable

RawHeaders = Iterable[tuple[bytes, bytes]]
Rendered = tuple[int, list[tuple[bytes, bytes]], bytes]
"""An answer as ASGI sends it: status, raw headers, body."""

# Per buyer: enough for a person tapping fast, too few for a script hammering the gate.
ATTEMPTS_PER_SECOND = 5
MAX_QUANTITY = 10**9  # bounds the integer; the domain judges what is sensible
MAX_KEY_HEADER = 200
MAX_RENDERED = 256  # distinct refusals kept rendered; a handful in practice
_KEY, _TYPE, _AUTH, _COOKIE = b"idempotency-key", b"content-type", b"authorization", b"cookie"
_READ = frozenset({_KEY, _TYPE, _AUTH, _COOKIE, CSRF_HEADER.encode()})
# FastAPI serialises a route's ``dict[str, Any]`` with this (its ``dump_json`` path).
OBJECT_JSON = TypeAdapter(dict[str, Any])

DOCS: dict[str, Any] = {
    "parameters": [
        {"name": "Idempotency-Key", "in": "header", "required": True,
         "schema": {"type": "string", "maxLength": MAX_KEY_HEADER}},
    ],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False,
        "properties": {"quantity": {"type": "integer", "default": 1,
                                    "minimum": -MAX_QUANTITY, "maximum": MAX_QUANTITY},
                       "coupon_claim_id": {"type": ["integer", "null"], "default": None}},
    }}}},
}  # fmt: skip
"""What :func:`parse_purchase` accepts, for the routes' OpenAPI (``openapi_extra``)."""


class MalformedBody(DomainError):
    """The body cannot be read as JSON at all (400, as FastAPI answers bad JSON)."""

    code = "bad_request"


@dataclass(frozen=True, slots=True)
class PurchaseRequest:
    quantity: int
    key: str
    coupon_claim_id: int | None = None  # one of the buyer's claimed coupons


Placing = Callable[[Principal, PurchaseRequest], Awaitable[PlacedOrder]]
QuickRefusal = Callable[[Principal, PurchaseRequest], DomainError | None]


def _first(headers: RawHeaders) -> dict[bytes, bytes]:
    """The first value of each header read here, as Starlette's ``Headers.get`` takes."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        if name in _READ and name not in found:
            found[name] = value
    return found


def parse_purchase(body: bytes, headers: RawHeaders) -> PurchaseRequest:
    """What the buyer asks for: ``{"quantity": n, "coupon_claim_id": c}`` (quantity 1
    and no coupon by default) and an Idempotency-Key."""
    found = _first(headers)
    key = found.get(_KEY)
    if key is None:
        raise InvalidInput("idempotency-key: the Idempotency-Key header is required")
    if len(key) > MAX_KEY_HEADER:
        raise InvalidInput(f"idempotency-key: at most {MAX_KEY_HEADER} characters")
    data = _body(body, found.get(_TYPE))
    return PurchaseRequest(_quantity(data), key.decode("latin-1"), _coupon(data))


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return True  # as FastAPI: a body without a type is read as JSON
    media = content_type.partition(b";")[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _body(body: bytes, content_type: bytes | None) -> dict[str, Any]:
    if not _is_json(content_type):
        raise InvalidInput("the body must be JSON (Content-Type: application/json)")
    if not body:
        raise InvalidInput("a JSON body is required")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise MalformedBody("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    extra = sorted(data.keys() - {"quantity", "coupon_claim_id"})
    if extra:
        raise InvalidInput(f"{extra[0]}: unknown field")
    return data


def _coupon(data: dict[str, Any]) -> int | None:
    claim = data.get("coupon_claim_id")
    if claim is None:
        return None
    if type(claim) is not int or not 1 <= claim <= MAX_ROW_ID:
        raise InvalidInput(f"coupon_claim_id: must be an id between 1 and {MAX_ROW_ID}")
    return claim


def _quantity(data: dict[str, Any]) -> int:
    quantity = data.get("quantity", 1)
    # Strict: a bool or a float is not a quantity.
    if type(quantity) is not int:
        raise InvalidInput("quantity: must be an integer")
    if not -MAX_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity: must be between -{MAX_QUANTITY} and {MAX_QUANTITY}")
    return quantity


async def authenticate_purchase(scope: Scope, resources: Resources) -> Principal:
    """The buyer, by ``routes.deps``'s rules: a bearer token, or a session cookie with
    its CSRF token (a purchase is an unsafe /api request); unrevoked either way."""
    found = _first(scope["headers"])
    cookies = cookie_parser(found[_COOKIE].decode("latin-1")) if _COOKIE in found else {}
    claims, from_cookie = await token_of(
        resources,
        resources.revocations,
        authorization=found.get(_AUTH, b"").decode("latin-1"),
        session=cookies.get(SESSION_COOKIE),
    )
    if claims is None:
        raise NotAuthenticated(NO_CALLER)
    if from_cookie:
        csrf = found.get(CSRF_HEADER.encode(), b"").decode("latin-1")
        check_csrf(resources, claims.principal, csrf)
    return claims.principal


async def count_attempt(resources: Resources, buyer_id: int) -> None:
    """Count one purchase attempt; ``RateLimited`` past the per-buyer limit.

    Per node: a buyer spread over N nodes gets N times the limit, which still stops a
    script hammering one connection, without a Redis round trip per attempt.
    """
    await resources.node_limiter.hit(
        "purchase", str(buyer_id), limit=ATTEMPTS_PER_SECOND, window=1.0
    )


async def answer_purchase(
    scope: Scope,
    resources: Resources,
    body: bytes,
    place: Placing,
    refuse: QuickRefusal | None = None,
) -> Rendered:
    """The whole answer to one purchase. ``refuse`` gives a refusal known without I/O
    (sold out here, over the limit): answered without an exception or a database await."""
    try:
        caller = await authenticate_purchase(scope, resources)
        wanted = parse_purchase(body, scope["headers"])
        outcome = await _attempt(resources, caller, wanted, place, refuse)
    except FAILURES as exc:
        return render_failure(scope, exc)
    if isinstance(outcome, DomainError):
        return render_error(scope, outcome)
    return render_order(outcome)


async def _attempt(
    resources: Resources,
    caller: Principal,
    wanted: PurchaseRequest,
    place: Placing,
    refuse: QuickRefusal | None,
) -> PlacedOrder | DomainError:
    """The attempt limit first, then the attempt; each outcome counted."""
    outcomes = resources.metrics.orders
    try:
        await count_attempt(resources, caller.user_id)
        refusal = refuse(caller, wanted) if refuse is not None else None
        if refusal is None:
            placed = await place(caller, wanted)
            outcomes.labels("placed" if placed.created else "duplicate").inc()
            return placed
    except DomainError as exc:
        refusal = exc
    outcomes.labels(refusal.code).inc()
    return refusal


def render_order(placed: PlacedOrder) -> Rendered:
    """201 for a new order, 200 for a repeated Idempotency-Key."""
    content = OBJECT_JSON.dump_json(placed.order.as_dict())
    response = Response(content, 201 if placed.created else 200, media_type="application/json")
    return response.status_code, response.raw_headers, content


_rendered: dict[tuple[type[DomainError], str, str | None], Rendered] = {}


# What an answer function renders instead of letting it escape (see render_failure).
FAILURES: tuple[type[Exception], ...] = (DomainError, *OUTAGE_SOURCES)


def render_failure(scope: Scope, exc: Exception) -> Rendered:
    """A domain error, or a database outage, as ``routes.errors`` answers what escaped a
    unit of work; any other error is re-raised (it is a fault, answered as one)."""
    if isinstance(exc, DomainError):
        return render_error(scope, exc)
    if is_outage(exc):
        return render_error(scope, unavailable(exc))
    raise exc


def render_error(scope: Scope, error: DomainError) -> Rendered:
    """``error`` as ``routes.errors`` answers a domain error, with Retry-After if it
    carries one. Rendered once per distinct refusal: a sale refuses thousands of buyers
    a second with the same few answers, and under /api an error's bytes depend on the
    error alone (``error_response`` answers JSON there, never a page)."""
    retry_after = getattr(error, "retry_after", None)
    retry = None if retry_after is None else str(max(1, round(retry_after)))
    key = (type(error), error.message, retry)
    found = _rendered.get(key)
    if found is None:
        response = error_response(Request(scope), status_of(error), error.code, error.message)
        if retry is not None:
            response.headers["Retry-After"] = retry
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        found = _rendered[key] = (response.status_code, response.raw_headers, bytes(response.body))
    status, headers, content = found
    return status, list(headers), content  # middlewares may extend the list


def as_response(rendered: Rendered) -> Response:
    """A rendered answer as the Response a FastAPI route returns."""
    status, headers, content = rendered
    response = Response(content, status)
    response.raw_headers = headers
    return response


def from_sale(resources: Resources, sale_id: int) -> tuple[Placing, QuickRefusal]:
    """Placing an order from a flash sale, and its refusals known without I/O."""
    checkout = resources.checkout

    def refuse(caller: Principal, wanted: PurchaseRequest) -> DomainError | None:
        return placement.quick_refusal(
            checkout, buyer_id=caller.user_id, sale_id=sale_id,
            quantity=wanted.quantity, key=wanted.key,
        )  # fmt: skip

    async def place(caller: Principal, wanted: PurchaseRequest) -> PlacedOrder:
        return await placement.place_order(
            checkout, buyer_id=caller.user_id, sale_id=sale_id,
            quantity=wanted.quantity, key=wanted.key, coupon_claim_id=wanted.coupon_claim_id,
        )  # fmt: skip

    return place, refuse


def from_shelf(resources: Resources, room_id: int, product_id: int) -> Placing:
    """Buying a shelf product at its list price."""

    async def place(caller: Principal, wanted: PurchaseRequest) -> PlacedOrder:
        return await shelf.buy_from_shelf(
            resources.checkout, buyer_id=caller.user_id, room_id=room_id,
            product_id=product_id, quantity=wanted.quantity, key=wanted.key,
            coupon_claim_id=wanted.coupon_claim_id,
        )  # fmt: skip

    return place
