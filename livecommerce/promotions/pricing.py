"""Pricing: one pure function from an order line and at most one coupon to the amount due.

The stacking policy (the README says the same):

1. The unit price is the flash-deal price when the line is bought from a deal, else the
   product's list price. Subtotal = unit price x quantity.
2. At most one coupon per order: coupons never stack. Of the buyer's coupons, the one
   that takes the most off is suggested (``best``; a tie goes to the earlier one given).
3. A coupon applies only if it covers the product (its product list, or the whole shelf
   when the list is empty), the subtotal reaches its minimum spend, and, on a deal price,
   its merchant let it stack with deals (``stacks_with_deals``, off by default).
4. Discount: a fixed coupon takes its amount off; a percentage coupon takes
   floor(subtotal x percent / 100), at most its maximum. Never more than the subtotal.
5. Shipping comes after the coupon and is never discounted (none yet: 0).

The buy sheet's preview (``POST .../quote``) and checkout (``orders.shelf``,
``orders.placement``) both call :func:`quote`, so the price shown is the price charged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from livecommerce.errors import (
    CouponBelowMinimum,
    CouponNotApplicable,
    CouponNotStackable,
    CouponRefused,
)

K = TypeVar("K")
SHIPPING_CENTS = 0


@dataclass(frozen=True, slots=True)
class Coupon:
    """What pricing needs of a coupon's terms."""

    kind: str  # fixed | percent
    amount_off_cents: int = 0
    percent_off: int = 0
    max_discount_cents: int | None = None
    min_spend_cents: int = 0
    product_ids: frozenset[int] = frozenset()  # empty: the whole shelf
    stacks_with_deals: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: a product, how many, and the deal price if bought from a deal."""

    product_id: int
    list_price_cents: int
    quantity: int
    deal_price_cents: int | None = None

    @property
    def unit_price_cents(self) -> int:
        return self.list_price_cents if self.deal_price_cents is None else self.deal_price_cents


@dataclass(frozen=True, slots=True)
class Quote:
    unit_price_cents: int
    quantity: int
    subtotal_cents: int
    discount_cents: int
    shipping_cents: int
    total_cents: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_price_cents": self.unit_price_cents, "quantity": self.quantity,
            "subtotal_cents": self.subtotal_cents, "discount_cents": self.discount_cents,
            "shipping_cents": self.shipping_cents, "total_cents": self.total_cents,
        }  # fmt: skip


def refusal(line: Line, coupon: Coupon) -> CouponRefused | None:
    """Why ``coupon`` does not apply to ``line`` (rule 3), or ``None`` if it does."""
    if coupon.product_ids and line.product_id not in coupon.product_ids:
        return CouponNotApplicable("the coupon does not cover this product")
    if line.deal_price_cents is not None and not coupon.stacks_with_deals:
        return CouponNotStackable("the coupon does not combine with a flash-deal price")
    subtotal = line.unit_price_cents * line.quantity
    if subtotal < coupon.min_spend_cents:
        return CouponBelowMinimum(f"the coupon needs a spend of at least {coupon.min_spend_cents}")
    return None


def discount(coupon: Coupon, subtotal_cents: int) -> int:
    """What ``coupon`` takes off ``subtotal_cents`` (rule 4), applicability aside."""
    if coupon.kind == "fixed":
        off = coupon.amount_off_cents
    else:
        off = subtotal_cents * coupon.percent_off // 100
        if coupon.max_discount_cents is not None:
            off = min(off, coupon.max_discount_cents)
    return max(0, min(off, subtotal_cents))


def quote(line: Line, coupon: Coupon | None = None) -> Quote:
    """The amount due for ``line`` with ``coupon``; raises the coupon's refusal if it
    does not apply. The one pricing function of checkout and preview."""
    subtotal = line.unit_price_cents * line.quantity
    off = 0
    if coupon is not None:
        refused = refusal(line, coupon)
        if refused is not None:
            raise refused
        off = discount(coupon, subtotal)
    return Quote(
        unit_price_cents=line.unit_price_cents, quantity=line.quantity, subtotal_cents=subtotal,
        discount_cents=off, shipping_cents=SHIPPING_CENTS,
        total_cents=subtotal - off + SHIPPING_CENTS,
    )  # fmt: skip


def best(line: Line, offers: Sequence[tuple[K, Coupon]]) -> K | None:
    """The key of the offer that takes the most off ``line`` (rule 2), or ``None`` if
    none applies."""
    found: K | None = None
    most = 0
    subtotal = line.unit_price_cents * line.quantity
    for key, coupon in offers:
        if refusal(line, coupon) is None and (off := discount(coupon, subtotal)) > most:
            found, most = key, off
    return found
