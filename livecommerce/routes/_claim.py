"""The claim path: one authenticator, one key check, one renderer for every coupon claim.

``POST /api/coupons/drops/{id}/claims`` is answered by :func:`answer_claim` whether it
came through its FastAPI route (``routes.coupons``) or the fast lane a coupon rush needs
(``routes.fast_lane``), so the two cannot answer differently. A claim has no body: the
drop and the caller say everything, and the Idempotency-Key makes a retry safe.

Order of checks: the caller first (401, 403), then the key (422), then the domain
(404, 409, 503), as FastAPI resolved them when the route declared them.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.types import Scope

from livecommerce.errors import InvalidInput
from livecommerce.promotions.claims import claim_coupon
from livecommerce.promotions.gate import MAX_KEY_LENGTH
from livecommerce.promotions.views import PlacedClaim
from livecommerce.resources import Resources
from livecommerce.routes._purchase import (
    FAILURES,
    OBJECT_JSON,
    Rendered,
    authenticate_purchase,
    render_failure,
)

_KEY = b"idempotency-key"
_PRINTABLE = re.compile(rb"[\x21-\x7e]{1,%d}" % MAX_KEY_LENGTH)

DOCS: dict[str, Any] = {
    "parameters": [
        {"name": "Idempotency-Key", "in": "header", "required": True,
         "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[\\x21-\\x7e]+$"}},
    ],
}  # fmt: skip
"""What :func:`claim_key` accepts, for the route's OpenAPI (``openapi_extra``)."""


def claim_key(scope: Scope) -> str:
    """The request's first Idempotency-Key: 1 to 80 printable ASCII characters."""
    key: bytes | None = next((v for k, v in scope["headers"] if k == _KEY), None)
    if key is None:
        raise InvalidInput("idempotency-key: the Idempotency-Key header is required")
    if _PRINTABLE.fullmatch(key) is None:
        raise InvalidInput(
            f"idempotency-key: 1 to {MAX_KEY_LENGTH} printable ASCII characters, no spaces"
        )
    return key.decode("ascii")


async def answer_claim(scope: Scope, resources: Resources, drop_id: int) -> Rendered:
    """The whole answer to one claim: 201 a new claim, 200 its repeat, else the error."""
    try:
        caller = await authenticate_purchase(scope, resources)
        key = claim_key(scope)
        placed = await claim_coupon(
            resources.coupons, buyer_id=caller.user_id, drop_id=drop_id, key=key
        )
    except FAILURES as exc:
        return render_failure(scope, exc)
    return render_claim(placed)


def render_claim(placed: PlacedClaim) -> Rendered:
    """201 for a new claim, 200 for a repeated Idempotency-Key."""
    content = OBJECT_JSON.dump_json(placed.claim.as_dict())
    response = Response(content, 201 if placed.created else 200, media_type="application/json")
    return response.status_code, response.raw_headers, content
