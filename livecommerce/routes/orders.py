"""Orders API: buy from a flash sale, list, pay, cancel; the payment webhook.

The buy endpoint is the hot path of a flash sale: authentication is a token signature
check and losers are answered by the sold-out flag or the stock gate, so a refused
attempt never touches the database.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from livecommerce.orders import payment, service
from livecommerce.orders.views import OrderView
from livecommerce.routes import _purchase
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["orders"])

SIGNATURE_HEADER = "X-Livecommerce-Signature"
PROVIDERS = payment.PROVIDERS


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(default="sandbox", max_length=32)
    address_id: BodyId | None = Field(
        default=None, description="where to ship; omitted: the caller's default address"
    )


class WebhookIn(BaseModel):
    reference: str = text(max_length=120)
    status: str = Field(pattern="^(succeeded|failed)$")


@router.post("/api/sales/{sale_id}/orders", status_code=201, openapi_extra=_purchase.DOCS)
async def place(sale_id: RowId, request: Request, resources: ResourcesDep) -> Response:
    """Order ``{"quantity": n}`` from a flash sale. The same Idempotency-Key returns the
    same order (200). Most attempts are answered by ``routes.fast_lane``, alike."""
    placing, refuse = _purchase.from_sale(resources, sale_id)
    body = await request.body()
    answer = await _purchase.answer_purchase(request.scope, resources, body, placing, refuse)
    return _purchase.as_response(answer)


@router.post(
    "/api/rooms/{room_id}/products/{product_id}/orders",
    status_code=201,
    openapi_extra=_purchase.DOCS,
)
async def buy_from_shelf(
    room_id: RowId, product_id: RowId, request: Request, resources: ResourcesDep
) -> Response:
    """Buy a shelf product at its list price; same Idempotency-Key, same order (200)."""
    placing = _purchase.from_shelf(resources, room_id, product_id)
    body = await request.body()
    answer = await _purchase.answer_purchase(request.scope, resources, body, placing)
    return _purchase.as_response(answer)


@router.get("/api/orders", responses={304: {"description": "Not modified"}})
async def mine(request: Request, caller: CurrentUser, resources: ResourcesDep) -> Response:
    """The caller's orders; 304 while ``If-None-Match`` still holds, so "My orders" can
    poll for a refund or a shipment without fetching every card's timeline again."""
    async with resources.db.read() as session:
        orders = await service.list_orders(session, buyer_id=caller.user_id)
    body = json.dumps({"orders": [o.as_dict() for o in orders]}, separators=(",", ":"))
    etag = f'"{hashlib.blake2b(body.encode(), digest_size=12).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


@router.get("/api/orders/{order_id}")
async def detail(order_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        order = await service.load_own_order(session, buyer_id=caller.user_id, order_id=order_id)
    return await _with_address(resources, OrderView.of(order))


async def _with_address(resources: ResourcesDep, order: OrderView) -> dict[str, Any]:
    """The buyer's own order with the address it ships to (null until paid)."""
    async with resources.db.read() as session:
        address = await service.ship_to(session, order.id, masked=False)
    return {**order.as_dict(), "address": address}


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
        resources.checkout,
        PROVIDERS[name](resources.settings.sandbox_refuse_refunds),
        buyer_id=caller.user_id,
        order_id=order_id,
        address_id=body.address_id if body else None,
    )
    result = await _with_address(resources, order)
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
