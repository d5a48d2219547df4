"""Refunds of an order bought with a coupon pay back what was paid, not the list price."""

from __future__ import annotations

from livecommerce.orders.views import OrderView, paid_share, refund_cents
from livecommerce.storage.models import Order


def order(quantity: int, unit: int, discount: int, refunded: int = 0) -> Order:
    return Order(
        quantity=quantity,
        unit_price_cents=unit,
        discount_cents=discount,
        refunded_quantity=refunded,
    )


def test_a_partial_refund_pays_the_units_share_of_the_discounted_total() -> None:
    """3 x 1000 less a 1000 coupon is 2000 paid: one unit back is 666, not 1000."""
    assert refund_cents(order(3, 1000, 1000), 1) == 666


def test_refunds_in_parts_add_up_to_exactly_what_was_paid() -> None:
    """Unit by unit, the rounding never pays a cent more (or less) than the total."""
    paid, parts = 2000, []
    for before in range(3):
        parts.append(refund_cents(order(3, 1000, 1000, refunded=before), 1))
    assert sum(parts) == paid and max(parts) - min(parts) <= 1
    assert refund_cents(order(3, 1000, 1000), 3) == paid


def test_without_a_coupon_a_unit_refunds_its_price() -> None:
    assert refund_cents(order(2, 1299, 0, refunded=1), 1) == 1299
    assert paid_share(0, 0, 0) == 0


def test_the_views_refunded_figure_is_the_paid_share() -> None:
    row = order(3, 1000, 1000, refunded=2)
    for name in ("id", "buyer_id", "room_id", "product_id", "sale_id", "status", "idempotency_key",
                 "created_at", "expires_at", "paid_at"):  # fmt: skip
        setattr(row, name, None)
    assert OrderView.of(row).refunded_cents == 1333
