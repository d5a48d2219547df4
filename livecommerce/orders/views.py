"""Plain read models of orders, as the API and the merchant console show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecommerce.orders.events import OrderUpdated
from livecommerce.storage.models import Order


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    buyer_id: int
    room_id: int | None
    product_id: int
    sale_id: int | None
    quantity: int
    unit_price_cents: int
    status: str
    idempotency_key: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    return_quantity: int = 0
    refunded_quantity: int = 0
    discount_cents: int = 0
    coupon_claim_id: int | None = None
    awaiting_group: bool = False

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            order.id, order.buyer_id, order.room_id, order.product_id, order.sale_id,
            order.quantity, order.unit_price_cents, order.status, order.idempotency_key,
            order.created_at, order.expires_at, order.paid_at, order.shipped_at,
            order.carrier, order.tracking_number, order.delivered_at, order.completed_at,
            order.return_quantity or 0, order.refunded_quantity or 0, order.discount_cents or 0,
            order.coupon_claim_id, bool(order.awaiting_group),
        )  # fmt: skip

    @property
    def refunded_cents(self) -> int:
        return paid_share(self.total_cents, self.quantity, self.refunded_quantity)

    @property
    def total_cents(self) -> int:
        """What the buyer pays: the line less its coupon (``promotions.pricing``)."""
        return self.quantity * self.unit_price_cents - self.discount_cents

    def as_dict(self) -> dict[str, Any]:
        # Field by field: ``dataclasses.asdict`` deep-copies every value, which made this
        # a visible cost of each flash-sale winner's answer.
        paid_at = self.paid_at.isoformat() if self.paid_at is not None else None
        return {
            "id": self.id, "buyer_id": self.buyer_id, "room_id": self.room_id,
            "product_id": self.product_id, "sale_id": self.sale_id, "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents, "status": self.status,
            "idempotency_key": self.idempotency_key, "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(), "paid_at": paid_at,
            "total_cents": self.total_cents, "shipped_at": _iso(self.shipped_at),
            "carrier": self.carrier, "tracking_number": self.tracking_number,
            "delivered_at": _iso(self.delivered_at), "completed_at": _iso(self.completed_at),
            "return_quantity": self.return_quantity, "refunded_quantity": self.refunded_quantity,
            "refunded_cents": self.refunded_cents, "discount_cents": self.discount_cents,
            "coupon_claim_id": self.coupon_claim_id, "awaiting_group": self.awaiting_group,
        }  # fmt: skip


def paid_share(total_cents: int, quantity: int, units: int) -> int:
    """What ``units`` of an order's ``quantity`` cost of the ``total_cents`` paid (after
    its coupon). Rounded down per running total, so refunds in parts add up to exactly
    the total once every unit is back, and never more."""
    return total_cents * units // quantity if quantity else 0


def refund_cents(order: Order, units: int) -> int:
    """The money back for ``units`` more of ``order``, after those already refunded."""
    total = order.quantity * order.unit_price_cents - (order.discount_cents or 0)
    before = order.refunded_quantity or 0
    return paid_share(total, order.quantity, before + units) - paid_share(
        total, order.quantity, before
    )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def order_news(order_id: int, status: str, sale_id: int | None) -> OrderUpdated:
    """The buyer's own ``order.updated`` for a status change."""
    return OrderUpdated(order_id=order_id, status=status, sale_id=sale_id)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The answer to a purchase attempt: the order, and whether this call created it."""

    order: OrderView
    created: bool
