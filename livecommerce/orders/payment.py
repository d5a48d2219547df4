"""Paying for orders through a provider interface, with signed webhooks.

The built-in sandbox provider confirms at once (or, configured so, by webhook, which
exercises the path real providers use). A webhook is trusted only with a valid
``t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`` signature no older than the
tolerance, so a captured webhook cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.addresses import for_checkout
from livecommerce.errors import (
    AddressRequired,
    Conflict,
    IllegalTransition,
    NotAuthenticated,
    NotFound,
)
from livecommerce.orders import transitions
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.service import PENDING, load_own_order
from livecommerce.orders.views import OrderView
from livecommerce.storage.models import Order, OrderAddress, Payment

SIGNATURE_TOLERANCE = 300.0
SUCCEEDED = "succeeded"  # a payment whose money arrived


@dataclass(frozen=True, slots=True)
class Charge:
    reference: str
    confirmed: bool  # False: wait for the provider's webhook
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class Payout:
    """A provider's answer to a refund: its own reference, and whether it is paid now."""

    reference: str
    confirmed: bool  # False: the provider's signed refund webhook confirms it later


class RefundRefused(Exception):
    """The provider said no to a refund (account closed, charge too old): asking again
    with the same reference is safe, and may keep failing."""


class PaymentProvider(Protocol):
    name: str

    async def charge(self, order: OrderView) -> Charge: ...

    async def refund(self, *, reference: str, amount_cents: int) -> Payout:
        """Pay ``amount_cents`` back; ``reference`` is the idempotency key, so asking
        again with the same one (a retry after a crash) never pays twice."""
        ...


class SandboxProvider:
    """Takes no money. ``confirm_by_webhook`` makes it behave like a real provider: the
    charge stays pending until someone posts the signed webhook."""

    def __init__(
        self, *, name: str = "sandbox", confirm_by_webhook: bool = False,
        refuse_refunds: bool = False,
    ) -> None:  # fmt: skip
        self.name = name
        self.confirm_by_webhook = confirm_by_webhook
        # A test switch (LIVECOMMERCE_SANDBOX_REFUSE_REFUNDS): every refund is refused,
        # as a provider does for a closed account.
        self.refuse_refunds = refuse_refunds

    async def charge(self, order: OrderView) -> Charge:
        reference = f"sbx_{order.id}_{secrets.token_hex(6)}"
        return Charge(reference, confirmed=not self.confirm_by_webhook)

    async def refund(self, *, reference: str, amount_cents: int) -> Payout:
        if self.refuse_refunds:
            raise RefundRefused(f"sandbox refuses refund {reference}")
        return Payout(f"sbx_rf_{reference}", confirmed=not self.confirm_by_webhook)


PROVIDERS: dict[str, Callable[[bool], PaymentProvider]] = {
    "sandbox": lambda refuse: SandboxProvider(refuse_refunds=refuse),
    "sandbox_webhook": lambda refuse: SandboxProvider(
        name="sandbox_webhook", confirm_by_webhook=True, refuse_refunds=refuse
    ),
}
"""The providers this build knows, by the name stored on payments and refunds."""


def build_providers(*, refuse_refunds: bool = False) -> dict[str, PaymentProvider]:
    return {name: make(refuse_refunds) for name, make in PROVIDERS.items()}


class WebhookSigner:
    def __init__(self, secret_key: str, provider: str, *, purpose: str = "webhook") -> None:
        # A purpose of its own per webhook kind: a signed payment body is no refund body.
        label = f"{purpose}:{provider}".encode()
        self._key = hmac.new(secret_key.encode(), label, hashlib.sha256)

    def _mac(self, timestamp: int, body: bytes) -> str:
        mac = self._key.copy()
        mac.update(b"%d." % timestamp + body)
        return mac.hexdigest()

    def sign(self, body: bytes, *, timestamp: float | None = None) -> str:
        t = int(time.time() if timestamp is None else timestamp)
        return f"t={t},v1={self._mac(t, body)}"

    def verify(self, body: bytes, header: str, *, now: float | None = None) -> None:
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            t = int(parts["t"])
        except (KeyError, ValueError):
            raise NotAuthenticated("malformed webhook signature") from None
        if abs((time.time() if now is None else now) - t) > SIGNATURE_TOLERANCE:
            raise NotAuthenticated("webhook signature is too old")
        if not hmac.compare_digest(parts.get("v1", ""), self._mac(t, body)):
            raise NotAuthenticated("invalid webhook signature")


async def _mark_paid(checkout: Checkout, order_id: int) -> bool:
    now = checkout.clock()
    async with checkout.db.unit_of_work() as uow:
        moved = await transitions.move(
            uow, order_id, PENDING, OrderStatus.PAID, actor=transitions.PROVIDER, now=now,
            values={"paid_at": now},
        )  # fmt: skip
        if moved is not None:
            for hook in checkout.paid_hooks:
                await hook(uow, moved)
    return moved is not None


async def _order_view(checkout: Checkout, order_id: int) -> OrderView:
    async with checkout.db.read() as session:
        order = await session.get(Order, order_id)
        if order is None:
            raise NotFound(f"order {order_id} not found")
        return OrderView.of(order)


async def shipping_copy(
    session: AsyncSession, buyer_id: int, address_id: int | None
) -> OrderAddress:
    """The snapshot of where the order ships: the address named, else the default."""
    found = await for_checkout(session, user_id=buyer_id, address_id=address_id)
    if found is None:
        raise AddressRequired("add an address to ship to before paying")
    return OrderAddress(name=found.name, phone=found.phone, region=found.region,
                        detail=found.detail)  # fmt: skip


async def pay_order(
    checkout: Checkout,
    provider: PaymentProvider,
    *,
    buyer_id: int,
    order_id: int,
    address_id: int | None = None,
) -> tuple[OrderView, Charge | None]:
    """Start paying the buyer's pending order; paying a paid order again is a no-op.

    The address (``address_id``, else the buyer's default) is copied onto the order
    here rather than when it was placed, so a flash-sale purchase stays one tap and
    its hot path never reads the address book."""
    async with checkout.db.read() as session:
        order = OrderView.of(await load_own_order(session, buyer_id=buyer_id, order_id=order_id))
        if order.status == OrderStatus.PAID:
            return order, None
        if order.status != PENDING:
            raise IllegalTransition(f"an order cannot go from {order.status} to paid")
        if checkout.clock() >= order.expires_at:
            raise Conflict("the order's payment window has passed")
        ship_to = await shipping_copy(session, buyer_id, address_id)
    charge = await provider.charge(order)  # outside any transaction: it may be slow
    async with checkout.db.unit_of_work() as uow:
        status = "succeeded" if charge.confirmed else "pending"
        uow.session.add(
            Payment(order_id=order.id, provider=provider.name, reference=charge.reference,
                    status=status, created_at=checkout.clock())
        )  # fmt: skip
        ship_to.order_id = order.id
        await uow.session.merge(ship_to)  # paying again may pick another address
    if charge.confirmed:
        await _settle(checkout, order.id, provider.name, charge.reference)
    return await _order_view(checkout, order.id), charge


async def _settle(checkout: Checkout, order_id: int, provider: str, reference: str) -> None:
    if await _mark_paid(checkout, order_id):
        return
    order = await _order_view(checkout, order_id)
    if order.status != OrderStatus.PAID:
        # The money came after the order expired or was cancelled: flag it for refund.
        await _set_payment_status(checkout, provider, reference, "refund_due")


async def _set_payment_status(
    checkout: Checkout, provider: str, reference: str, status: str
) -> None:
    async with checkout.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Payment)
            .where(Payment.provider == provider, Payment.reference == reference)
            .values(status=status)
        )


async def confirm_payment(
    checkout: Checkout, *, provider: str, reference: str, succeeded: bool
) -> OrderView:
    """Apply a provider's (already verified) webhook; repeats are harmless."""
    async with checkout.db.read() as session:
        payment = await session.scalar(
            select(Payment).where(Payment.provider == provider, Payment.reference == reference)
        )
    if payment is None:
        raise NotFound(f"payment {reference!r} not found")
    if payment.status in ("succeeded", "refund_due", "failed"):
        return await _order_view(checkout, payment.order_id)
    await _set_payment_status(checkout, provider, reference, "succeeded" if succeeded else "failed")
    if succeeded:
        await _settle(checkout, payment.order_id, provider, reference)
    return await _order_view(checkout, payment.order_id)
