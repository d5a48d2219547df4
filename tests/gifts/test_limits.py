"""Tests for the gift limits, minors and muted hosts: refused with their code, nothing billed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livecommerce.settings import Settings
from tests.gifts._ledger import check_books
from tests.gifts.conftest import Shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"gift_max_cents_per_day": 500, "gift_max_cents_per_month": 800}
    )


def _at(shop: Shop, moment: datetime) -> None:
    shop.resources.gifts.clock = lambda: moment


async def _code(response: object) -> str:
    code: str = response.json()["error"]["code"]  # type: ignore[attr-defined]
    return code


async def test_daily_and_monthly_limits_count_per_utc_day_and_month(shop: Shop) -> None:
    """500 a day and 800 a month: the day resets at midnight UTC, the month on the 1st."""
    fan = await shop.viewer("fan", top_up=10_000)
    _at(shop, datetime(2030, 1, 15, 23, 0, tzinfo=UTC))
    assert (await shop.send(fan, shop.rose, 5, key="a")).status_code == 201
    over = await shop.send(fan, shop.rose, 1, key="b")
    assert (over.status_code, await _code(over)) == (409, "gift_daily_limit")
    _at(shop, datetime(2030, 1, 16, 0, 30, tzinfo=UTC))
    assert (await shop.send(fan, shop.rose, 3, key="c")).status_code == 201
    over = await shop.send(fan, shop.rose, 1, key="d")
    assert (over.status_code, await _code(over)) == (409, "gift_monthly_limit")
    assert await shop.balance(fan) == 10_000 - 800
    _at(shop, datetime(2030, 2, 1, 0, 0, tzinfo=UTC))
    assert (await shop.send(fan, shop.rose, 1, key="e")).status_code == 201
    wallet = (await shop.client.get("/api/me/wallet", headers=fan.headers)).json()
    assert wallet["spent_today_cents"] == wallet["spent_month_cents"] == 100
    await check_books(shop.resources)


async def test_a_minor_cannot_send_or_top_up(shop: Shop) -> None:
    """An admin flags the account; then sends and top-ups are minor_cannot_gift (403)."""
    fan = await shop.viewer("kid", top_up=1_000)
    r = await shop.client.put(f"/api/admin/users/{fan.id}/minor", json={"minor": True},
                              headers=fan.headers)  # fmt: skip
    assert (r.status_code, await _code(r)) == (403, "forbidden")
    r = await shop.client.put(f"/api/admin/users/{fan.id}/minor", json={"minor": True},
                              headers=shop.admin.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    sent = await shop.send(fan, shop.rose)
    assert (sent.status_code, await _code(sent)) == (403, "minor_cannot_gift")
    topped = await shop.client.post(
        "/api/me/wallet/top-ups", json={"amount_cents": 100},
        headers={**fan.headers, "Idempotency-Key": "t2"},
    )  # fmt: skip
    assert (topped.status_code, await _code(topped)) == (403, "minor_cannot_gift")
    assert await shop.balance(fan) == 1_000


async def test_a_muted_host_receives_no_gifts_until_the_end_time(shop: Shop) -> None:
    """While muted, a send is host_gift_muted and bills nothing; after ``until`` it goes."""
    fan = await shop.viewer("fan", top_up=1_000)
    now = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
    _at(shop, now)
    until = (now + timedelta(hours=1)).isoformat()
    r = await shop.client.put(f"/api/admin/hosts/{shop.host.id}/gift-mute",
                              json={"until": until, "reason": "spam"},
                              headers=shop.admin.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    muted = await shop.send(fan, shop.rose, key="a")
    assert (muted.status_code, await _code(muted)) == (409, "host_gift_muted")
    assert await shop.balance(fan) == 1_000
    _at(shop, now + timedelta(hours=2))
    assert (await shop.send(fan, shop.rose, key="b")).status_code == 201


async def test_top_up_is_idempotent_by_key(shop: Shop) -> None:
    """The same top-up key credits the wallet once and answers the same (200)."""
    fan = await shop.viewer("fan")
    headers = {**fan.headers, "Idempotency-Key": "once"}
    first = await shop.client.post("/api/me/wallet/top-ups", json={"amount_cents": 500},
                                   headers=headers)  # fmt: skip
    again = await shop.client.post("/api/me/wallet/top-ups", json={"amount_cents": 500},
                                   headers=headers)  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert await shop.balance(fan) == 500
    await check_books(shop.resources)
