"""Tests for livecommerce.gifts.sending and its routes: billing, replays, refusals."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from livecommerce.storage.gift_models import GiftSend
from tests.gifts._ledger import check_books
from tests.gifts.conftest import Shop, add_gift
from tests.users import signup


async def _sends(shop: Shop) -> int:
    async with shop.resources.db.read() as session:
        return int(await session.scalar(select(func.count(GiftSend.id))) or 0)


async def test_a_send_bills_the_wallet_the_host_and_the_fee(shop: Shop) -> None:
    """A send moves its price from the wallet to host payable and platform fee, zero-sum."""
    fan = await shop.viewer("fan", top_up=1_000)
    r = await shop.send(fan, shop.rose, 3)
    assert r.status_code == 201, r.text
    assert r.json()["send"]["amount_cents"] == 300
    assert await shop.balance(fan) == 700
    earnings = (await shop.client.get("/api/me/earnings", headers=shop.host.headers)).json()
    assert earnings == {"payable_cents": 210, "available_cents": 0}
    books = await check_books(shop.resources)
    assert books["platform:fee"] == 90
    assert books["platform:funding"] == -1_000


async def test_a_replayed_key_answers_the_same_and_bills_once(shop: Shop) -> None:
    """The same Idempotency-Key returns the first send (200) and takes no more money;
    the key on another gift is refused and changes nothing."""
    fan = await shop.viewer("fan", top_up=1_000)
    first = await shop.send(fan, shop.rose, 2, key="same")
    again = await shop.send(fan, shop.rose, 2, key="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await shop.balance(fan) == 800
    assert await _sends(shop) == 1
    other = await shop.send(fan, shop.rocket, 1, key="same")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert await shop.balance(fan) == 800
    assert await _sends(shop) == 1


async def test_concurrent_replays_of_one_key_bill_once(shop: Shop) -> None:
    """Racing requests with one key: one send, one bill, every answer the same send."""
    fan = await shop.viewer("fan", top_up=1_000)
    answers = await asyncio.gather(*(shop.send(fan, shop.rose, key="race") for _ in range(8)))
    assert {a.status_code for a in answers} <= {200, 201}
    assert len({a.json()["send"]["id"] for a in answers}) == 1
    assert await shop.balance(fan) == 900
    await check_books(shop.resources)


async def test_concurrent_sends_never_overdraw_one_wallet(shop: Shop) -> None:
    """30 sends at once from a wallet that pays for 10: exactly 10 go, balance 0."""
    fan = await shop.viewer("fan", top_up=1_000)
    answers = await asyncio.gather(*(shop.send(fan, shop.rose, key=f"k{i}") for i in range(30)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 10 and codes.count(409) == 20
    refused = {a.json()["error"]["code"] for a in answers if a.status_code == 409}
    assert refused == {"insufficient_balance"}
    assert await shop.balance(fan) == 0
    books = await check_books(shop.resources)
    assert books[f"host_payable:{shop.host.id}"] == 700


async def test_bad_sends_are_refused_with_their_code_and_change_nothing(shop: Shop) -> None:
    """Over the cap, unknown or withdrawn gift, another shop's gift, an empty wallet:
    each its own code, and no money moves."""
    fan = await shop.viewer("fan", top_up=100_000)
    other_shop = await signup(shop.client, "other", "merchant")
    foreign = await add_gift(shop.client, other_shop, "Crown", 100)
    withdrawn = await add_gift(shop.client, shop.shop, "Old", 100)
    r = await shop.client.patch(f"/api/gifts/{withdrawn['id']}", json={"active": False},
                                headers=shop.shop.headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["active"] is False
    broke = await shop.viewer("broke")
    cases = [
        (shop.send(fan, shop.rocket, 6, key="a"), 409, "gift_over_cap"),
        (shop.send(fan, foreign, key="b"), 404, "unknown_gift"),
        (shop.send(fan, withdrawn, key="c"), 404, "unknown_gift"),
        (shop.send(fan, {"id": 999_999}, key="d"), 404, "unknown_gift"),
        (shop.send(broke, shop.rose, key="e"), 409, "insufficient_balance"),
    ]
    for call, status, code in cases:
        r = await call
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert await shop.balance(fan) == 100_000
    assert await _sends(shop) == 0
    r = await shop.client.post(f"/api/rooms/{shop.room_id}/gift-sends",
                               json={"gift_id": shop.rose["id"]}, headers=fan.headers)  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_input")
