"""Coalesced "N left": one level per drop per tick, never going back."""

from __future__ import annotations

from livecommerce.promotions.news import CouponNews


def test_one_latest_level_per_drop() -> None:
    """Many claims between ticks make one coupon.stock per drop, with the highest count
    (commits may finish out of order); nothing moved, nothing sent."""
    news = CouponNews()
    for claimed in (1, 3, 2):
        news.record(7, 1, claimed=claimed, quantity=10)
    news.record(7, 2, claimed=5, quantity=None)
    events = news.take()
    assert [(e.room_id, e.type, dict(e.data)) for e in events] == [
        (7, "coupon.stock", {"drop_id": 1, "claimed": 3, "quantity": 10, "remaining": 7}),
        (7, "coupon.stock", {"drop_id": 2, "claimed": 5, "quantity": None, "remaining": None}),
    ]
    assert news.take() == []
