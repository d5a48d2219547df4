"""The pricing function and its stacking policy."""

from __future__ import annotations

import pytest

from livecommerce.errors import CouponBelowMinimum, CouponNotApplicable, CouponNotStackable
from livecommerce.promotions.pricing import Coupon, Line, best, quote

TEA = Line(product_id=1, list_price_cents=1999, quantity=2)
FIVE_OFF = Coupon(kind="fixed", amount_off_cents=500)
TEN_PERCENT_MAX_3 = Coupon(kind="percent", percent_off=10, max_discount_cents=300)


def test_no_coupon_is_the_list_price() -> None:
    """Without a coupon the total is price x quantity plus (no) shipping."""
    q = quote(TEA)
    assert (q.subtotal_cents, q.discount_cents, q.shipping_cents, q.total_cents) == (
        3998,
        0,
        0,
        3998,
    )


def test_fixed_and_capped_percentage() -> None:
    """A fixed coupon takes its amount; a percentage one floor(10%), at most its maximum."""
    assert quote(TEA, FIVE_OFF).total_cents == 3498
    assert quote(TEA, TEN_PERCENT_MAX_3).discount_cents == 300  # 10% is 399, capped
    one = Line(1, 1999, 1)
    assert quote(one, TEN_PERCENT_MAX_3).discount_cents == 199


def test_never_more_than_the_subtotal() -> None:
    """A coupon bigger than the order makes it free, never negative."""
    assert quote(Line(1, 100, 1), FIVE_OFF).total_cents == 0


def test_refusals() -> None:
    """Other products, below the minimum spend, and a deal price without stacking."""
    with pytest.raises(CouponNotApplicable):
        quote(TEA, Coupon(kind="fixed", amount_off_cents=1, product_ids=frozenset({2})))
    with pytest.raises(CouponBelowMinimum):
        quote(TEA, Coupon(kind="fixed", amount_off_cents=1, min_spend_cents=4000))
    deal = Line(1, 1999, 1, deal_price_cents=999)
    with pytest.raises(CouponNotStackable):
        quote(deal, FIVE_OFF)
    stacking = Coupon(kind="fixed", amount_off_cents=500, stacks_with_deals=True)
    assert quote(deal, stacking).total_cents == 499


def test_minimum_spend_is_on_the_deal_price() -> None:
    """The minimum is judged on what the line costs, the deal price when there is one."""
    deal = Line(1, 1999, 1, deal_price_cents=999)
    stacking = Coupon(
        kind="fixed", amount_off_cents=1, min_spend_cents=1000, stacks_with_deals=True
    )
    with pytest.raises(CouponBelowMinimum):
        quote(deal, stacking)


def test_best_picks_the_largest_applicable_discount() -> None:
    """Coupons never stack: the one taking most off is suggested, inapplicable ones skipped."""
    big_but_elsewhere = Coupon(kind="fixed", amount_off_cents=900, product_ids=frozenset({9}))
    offers = [("a", TEN_PERCENT_MAX_3), ("b", FIVE_OFF), ("c", big_but_elsewhere)]
    assert best(TEA, offers) == "b"
    assert best(TEA, [("c", big_but_elsewhere)]) is None
