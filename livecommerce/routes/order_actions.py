"""Orders after payment: the buyer's receipt and returns, the merchant's shipping and
return decisions, each order's timeline, and the provider's signed refund webhook."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.errors import (
    IllegalTransition,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from livecommerce.orders import (
    cancellation,
    fulfilment,
    history,
    payment,
    refunds,
    returns,
    service,
)
from livecommerce.orders.views import OrderView
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["orders"])

SIGNATURE_HEADER = "X-Livecommerce-Signature"


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = text(max_length=60)
    tracking_number: str = text(max_length=80)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=10_000)
    reason: str = text(max_length=500, default="")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = text(max_length=500)


class RefundWebhookIn(BaseModel):
    reference: str = text(max_length=120)
    status: str = Field(pattern="^succeeded$")


def _providers(resources: ResourcesDep) -> refunds.Providers:
    return payment.build_providers(refuse_refunds=resources.settings.sandbox_refuse_refunds)


def _merchant(caller: CurrentUser) -> int:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants act on orders of their products")
    return caller.user_id


@router.post("/api/merchant/orders/{order_id}/ship")
async def ship(
    order_id: RowId, body: ShipIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Mark a paid order of your product shipped, with carrier and tracking number."""
    order = await fulfilment.ship(
        resources.db, order_id=order_id, actor_user_id=_merchant(caller), carrier=body.carrier,
        tracking_number=body.tracking_number, now=resources.checkout.clock(),
    )  # fmt: skip
    return order.as_dict()


@router.post("/api/merchant/orders/{order_id}/return/approve")
async def approve_return(
    order_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Approve the requested return: the refund is paid through the order's provider."""
    order = await returns.approve_return(
        resources.db, _providers(resources), order_id=order_id,
        merchant_id=_merchant(caller), now=resources.checkout.clock(),
    )  # fmt: skip
    return await _fresh(resources, caller.user_id, order.id)


@router.post("/api/merchant/orders/{order_id}/cancel")
async def cancel_paid_order(
    order_id: RowId, body: RejectIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Cancel a paid order of your product before shipping it, saying why: every unit is
    refunded through the order's provider (409 ``illegal_transition`` once shipped)."""
    order = await cancellation.cancel_paid_order(
        resources.db, _providers(resources), order_id=order_id,
        merchant_id=_merchant(caller), reason=body.reason, now=resources.checkout.clock(),
    )  # fmt: skip
    return await _fresh(resources, caller.user_id, order.id)


async def _fresh(resources: ResourcesDep, merchant_id: int, order_id: int) -> dict[str, Any]:
    """The order as it is now: the sandbox settles a refund right after the commit."""
    async with resources.db.read() as session:
        row = await service.load_merchant_order(session, merchant_id=merchant_id, order_id=order_id)
        return OrderView.of(row).as_dict()


@router.post("/api/merchant/orders/{order_id}/refund/retry")
async def retry_refund(
    order_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Ask the provider again for the order's refund it kept refusing (``refund.status``
    ``failed`` in the timeline); the same reference, so it never pays twice."""
    retried = await refunds.retry(
        resources.db, _providers(resources), order_id=order_id, merchant_id=_merchant(caller),
        now=resources.checkout.clock(),
    )  # fmt: skip
    if not retried:
        raise IllegalTransition("this order has no failed refund to retry")
    return await merchant_timeline(order_id, caller, resources)


@router.post("/api/merchant/orders/{order_id}/return/reject")
async def reject_return(
    order_id: RowId, body: RejectIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Reject the requested return, saying why (the buyer sees the reason)."""
    order = await returns.reject_return(
        resources.db, order_id=order_id, merchant_id=_merchant(caller), reason=body.reason,
        now=resources.checkout.clock(),
    )  # fmt: skip
    return order.as_dict()


@router.get("/api/merchant/orders/{order_id}/timeline")
async def merchant_timeline(
    order_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    async with resources.db.read() as session:
        order = await service.load_merchant_order(
            session, merchant_id=_merchant(caller), order_id=order_id
        )
        return {"order": OrderView.of(order).as_dict(),
                "timeline": await history.timeline(session, order),
                "refund": await refunds.refund_state(session, order.id)}  # fmt: skip


@router.post("/api/orders/{order_id}/receipt")
async def confirm_receipt(
    order_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The buyer confirms the parcel arrived; the return window opens."""
    order = await fulfilment.confirm_receipt(
        resources.db, order_id=order_id, buyer_id=caller.user_id, now=resources.checkout.clock()
    )
    return order.as_dict()


@router.post("/api/orders/{order_id}/return")
async def request_return(
    order_id: RowId, body: ReturnIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Ask to return ``quantity`` units within the window after delivery, no reason needed."""
    order = await returns.request_return(
        resources.db, order_id=order_id, buyer_id=caller.user_id, quantity=body.quantity,
        window=resources.checkout.return_window, reason=body.reason,
        now=resources.checkout.clock(),
    )  # fmt: skip
    return order.as_dict()


@router.get("/api/orders/{order_id}/timeline")
async def timeline(order_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The caller's order with its timeline: placed, paid, shipped, delivered, returns."""
    async with resources.db.read() as session:
        order = await service.load_own_order(session, buyer_id=caller.user_id, order_id=order_id)
        return {"order": OrderView.of(order).as_dict(),
                "timeline": await history.timeline(session, order)}  # fmt: skip


@router.post("/api/refunds/{provider}/webhook")
async def refund_webhook(
    provider: str, request: Request, resources: ResourcesDep
) -> dict[str, Any]:
    """A provider's signed refund confirmation. A replay (same refund again) answers 200
    with ``"duplicate": true`` and changes nothing, so a provider's retries stop."""
    if provider not in payment.PROVIDERS:
        raise NotFound(f"unknown payment provider {provider!r}")
    body = await request.body()
    settings = resources.settings
    secret = settings.payment_webhook_secret or settings.secret_key
    signer = payment.WebhookSigner(secret, provider, purpose="refund-webhook")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature.isascii():
        raise NotAuthenticated("malformed webhook signature")
    signer.verify(body, signature)
    try:
        event = RefundWebhookIn.model_validate(json.loads(body))
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("webhook body is not a valid refund event") from exc
    refund, settled = await refunds.confirm_by_webhook(
        resources.db, provider=provider, reference=event.reference, now=resources.checkout.clock()
    )
    return {"refund": {"id": refund.id, "order_id": refund.order_id, "status": refund.status,
                       "quantity": refund.quantity, "amount_cents": refund.amount_cents},
            "duplicate": not settled}  # fmt: skip
