from __future__ import annotations

from livecommerce.orders.news import SaleNews
from tests.orders.conftest import Recorder


async def test_many_changes_become_one_stock_event_and_one_summary() -> None:
    """Changes between flushes are coalesced: the latest stock, the summed order count."""
    news, recorder = SaleNews(), Recorder()
    for sold in range(1, 101):
        news.record(7, 1, sold=sold, quantity=500, placed=1)
    news.record(7, 2, sold=3, quantity=3, placed=0)
    assert await news.flush(recorder.deliver) == 2
    assert recorder.events == [
        (7, "sale.stock", {"sale_id": 1, "sold": 100, "quantity": 500, "remaining": 400}),
        (7, "order.placed.summary", {"sale_id": 1, "count": 100}),
        (7, "sale.stock", {"sale_id": 2, "sold": 3, "quantity": 3, "remaining": 0}),
    ]


async def test_a_quiet_tick_publishes_nothing() -> None:
    """After a flush, the next flush has nothing to say."""
    news, recorder = SaleNews(), Recorder()
    news.record(7, 1, sold=1, quantity=5, placed=1)
    await news.flush(recorder.deliver)
    assert await news.flush(recorder.deliver) == 0
    assert len(recorder.events) == 2
