"""Orders API: buy from a flash sale, list, pay, cancel; the payment webhook.

The buy endpoint is the hot path of a flash sale: authentication is a token signature
check and losers are answered by the sold-out flag or the stock gate, so a refused
attempt never touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from livecommerce.orders import payment, placement, service, shelf
from livecommerce.orders.views import OrderView, PlacedOrder
from livecommerce.resources import Resources
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["orders"])

SIGNATURE_HEADER = "X-Livecommerce-Signature"
# Per buyer: enough for a person tapping fast, too few for a script hammering the gate.
ATTEMPTS_PER_SECOND = 5
PROVIDERS: dict[str, Callable[[], payment.PaymentProvider]] = {
    "sandbox": payment.SandboxProvider,
    "sandbox_webhook": lambda: payment.SandboxProvider(
        name="sandbox_webhook", confirm_by_webhook=True
    ),
}


MAX_QUANTITY = 10**9  # bounds the integer; the domain judges what is sensible


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(default=1, strict=True, ge=-MAX_QUANTITY, le=MAX_QUANTITY)


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(default="sandbox", max_length=32)


class WebhookIn(BaseModel):
    reference: str = text(max_length=120)
    status: str = Field(pattern="^(succeeded|failed)$")


MAX_KEY_HEADER = 200
IdempotencyKey = Annotated[str, Header(max_length=MAX_KEY_HEADER)]


async def count_attempt(resources: Resources, buyer_id: int) -> None:
    """Count one purchase attempt; ``RateLimited`` past the per-buyer limit.

    Per node: a buyer spread over N nodes gets N times the limit, which still stops a
    script hammering one connection, without a Redis round trip per attempt.
    """
    await resources.node_limiter.hit(
        "purchase", str(buyer_id), limit=ATTEMPTS_PER_SECOND, window=1.0
    )


async def purchase(
    resources: Resources, buyer_id: int, attempt: Callable[[], Awaitable[PlacedOrder]]
) -> PlacedOrder:
    """The shared tail of every purchase (this route's and ``routes.fast_lane``'s): the
    per-buyer attempt limit, then the attempt, counted by outcome."""
    outcomes = resources.metrics.orders
    try:
        await count_attempt(resources, buyer_id)
        placed = await attempt()
    except DomainError as exc:
        outcomes.labels(exc.code).inc()
        raise
    outcomes.labels("placed" if placed.created else "duplicate").inc()
    return placed


async def _purchase(
    resources: Resources,
    caller: Principal,
    response: Response,
    attempt: Callable[[], Awaitable[PlacedOrder]],
) -> dict[str, Any]:
    """201 for a new order, 200 for a repeated Idempotency-Key."""
    placed = await purchase(resources, caller.user_id, attempt)
    if not placed.created:
        response.status_code = 200
    return placed.order.as_dict()


@router.post("/api/sales/{sale_id}/orders", status_code=201)
async def place(
    sale_id: RowId,
    body: OrderIn,
    caller: CurrentUser,
    resources: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> dict[str, Any]:
    """Order from a flash sale. The same Idempotency-Key returns the same order (200)."""
    attempt = partial(
        placement.place_order,
        resources.checkout,
        buyer_id=caller.user_id,
        sale_id=sale_id,
        quantity=body.quantity,
        key=idempotency_key,
    )
    return await _purchase(resources, caller, response, attempt)


@router.post("/api/rooms/{room_id}/products/{product_id}/orders", status_code=201)
async def buy_from_shelf(
    room_id: RowId,
    product_id: RowId,
    body: OrderIn,
    caller: CurrentUser,
    resources: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> dict[str, Any]:
    """Buy a shelf product at its list price; same Idempotency-Key, same order (200)."""
    attempt = partial(
        shelf.buy_from_shelf,
        resources.checkout,
        buyer_id=caller.user_id,
        room_id=room_id,
        product_id=product_id,
        quantity=body.quantity,
        key=idempotency_key,
    )
    return await _purchase(resources, caller, response, attempt)


@router.get("/api/orders")
async def mine(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        orders = await service.list_orders(session, buyer_id=caller.user_id)
    return {"orders": [o.as_dict() for o in orders]}


@router.get("/api/merchant/orders")
async def merchant_orders(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Orders of the caller's products (the merchant console's list)."""
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants see orders of their products")
    async with resources.db.read() as session:
        rows = await service.list_merchant_orders(session, merchant_id=caller.user_id)
    return {"orders": [{**order.as_dict(), "buyer": handle} for order, handle in rows]}


@router.get("/api/orders/{order_id}")
async def detail(order_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        order = await service.load_own_order(session, buyer_id=caller.user_id, order_id=order_id)
        return OrderView.of(order).as_dict()


@router.post("/api/orders/{order_id}/pay")
async def pay(
    order_id: RowId, caller: CurrentUser, resources: ResourcesDep, body: PayIn | None = None
) -> dict[str, Any]:
    name = body.provider if body else "sandbox"
    if name not in PROVIDERS:
        raise InvalidInput(f"unknown payment provider {name!r}")
    if name.startswith("sandbox") and not resources.settings.payments_sandbox:
        raise PermissionDenied("the sandbox payment provider is switched off here")
    order, charge = await payment.pay_order(
        resources.checkout, PROVIDERS[name](), buyer_id=caller.user_id, order_id=order_id
    )
    result = order.as_dict()
    if charge is not None:
        result["payment"] = {
            "reference": charge.reference,
            "confirmed": charge.confirmed,
            "redirect_url": charge.redirect_url,
        }
    return result


@router.post("/api/orders/{order_id}/cancel")
async def cancel(order_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    order = await service.cancel_order(
        resources.checkout, buyer_id=caller.user_id, order_id=order_id
    )
    return order.as_dict()


@router.post("/api/payments/{provider}/webhook")
async def webhook(provider: str, request: Request, resources: ResourcesDep) -> dict[str, Any]:
    """A provider's signed confirmation; the body is checked before it is parsed."""
    if provider not in PROVIDERS:
        raise NotFound(f"unknown payment provider {provider!r}")
    body = await request.body()
    settings = resources.settings
    signer = payment.WebhookSigner(settings.payment_webhook_secret or settings.secret_key, provider)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature.isascii():  # a signature is ASCII; hmac refuses to compare others
        raise NotAuthenticated("malformed webhook signature")
    signer.verify(body, signature)
    try:
        event = WebhookIn.model_validate(json.loads(body))
    except (ValueError, RecursionError) as exc:  # JSON nested too deep to parse
        raise InvalidInput("webhook body is not a valid payment event") from exc
    order = await payment.confirm_payment(
        resources.checkout,
        provider=provider,
        reference=event.reference,
        succeeded=event.status == "succeeded",
    )
    return {"order": order.as_dict()}
