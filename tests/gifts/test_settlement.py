"""Tests for livecommerce.gifts.settlement: delayed settlement and reversals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livecommerce.gifts.commands import settle_due
from tests.gifts._ledger import check_books
from tests.gifts.conftest import Shop

T0 = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)


def _at(shop: Shop, moment: datetime) -> None:
    shop.resources.gifts.clock = lambda: moment


async def test_settlement_moves_payable_to_available_after_the_delay(shop: Shop) -> None:
    """Nothing settles inside the delay; after it the host's share is available."""
    fan = await shop.viewer("fan", top_up=1_000)
    _at(shop, T0)
    assert (await shop.send(fan, shop.rose, 10)).status_code == 201
    _at(shop, T0 + timedelta(days=2))
    assert await settle_due(shop.resources.gifts) == 0
    _at(shop, T0 + timedelta(days=3, seconds=1))
    assert await settle_due(shop.resources.gifts) == 1
    assert await settle_due(shop.resources.gifts) == 0  # settled once
    books = await check_books(shop.resources)
    assert books[f"host_payable:{shop.host.id}"] == 0
    assert books[f"host_available:{shop.host.id}"] == 700
    earnings = (await shop.client.get("/api/me/earnings", headers=shop.host.headers)).json()
    assert earnings == {"payable_cents": 0, "available_cents": 700}


async def test_a_reversal_within_the_delay_repays_the_sender(shop: Shop) -> None:
    """Compensating postings: wallet repaid, payable and fee back to zero; only once,
    only by an admin, never after settlement."""
    fan = await shop.viewer("fan", top_up=1_000)
    _at(shop, T0)
    first = (await shop.send(fan, shop.rose, 4, key="a")).json()["send"]
    second = (await shop.send(fan, shop.rose, 2, key="b")).json()["send"]
    url = f"/api/admin/gift-sends/{first['id']}/reverse"
    r = await shop.client.post(url, headers=fan.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    _at(shop, T0 + timedelta(days=1))
    r = await shop.client.post(url, headers=shop.admin.headers)
    assert r.status_code == 200 and r.json()["send"]["status"] == "reversed"
    again = await shop.client.post(url, headers=shop.admin.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_transition")
    assert await shop.balance(fan) == 800
    _at(shop, T0 + timedelta(days=4))
    assert await settle_due(shop.resources.gifts) == 1  # the second only
    late = await shop.client.post(
        f"/api/admin/gift-sends/{second['id']}/reverse", headers=shop.admin.headers
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "illegal_transition")
    books = await check_books(shop.resources)
    assert books[f"host_payable:{shop.host.id}"] == 0
    assert books[f"host_available:{shop.host.id}"] == 140
    assert books["platform:fee"] == 60
    wallet = (await shop.client.get("/api/me/wallet", headers=fan.headers)).json()
    assert wallet["spent_today_cents"] == 0  # a reversed send does not count
