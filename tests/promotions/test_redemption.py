"""Using a coupon at checkout: the price, every refusal leaving nothing changed, the
preview equal to the charge, giving back on cancel and expiry, and flash deals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.orders.service import expire_due_orders
from livecommerce.storage.models import utcnow
from tests.promotions._shop import Show, buy, claim, dropped, live_show
from tests.routes.test_sales import launch
from tests.users import Account, signup


async def _claimed(client: httpx.AsyncClient, show: Show, who: Account, **terms: Any) -> int:
    drop = await dropped(client, show, **terms)
    answer = await claim(client, who, drop["id"])
    assert answer.status_code == 201, answer.text
    claim_id: int = answer.json()["id"]
    return claim_id


async def _claim_status(client: httpx.AsyncClient, show: Show, claim_id: int) -> str:
    report = await client.get(
        f"/api/rooms/{show.room_id}/coupons/report", headers=show.shop.headers
    )
    assert report.status_code == 200, report.text
    status: str = next(c["status"] for c in report.json()["claims"] if c["id"] == claim_id)
    return status


async def _stock(client: httpx.AsyncClient, pid: int) -> int:
    value: int = (await client.get(f"/api/products/{pid}")).json()["stock"]
    return value


async def test_checkout_charges_the_preview(client: httpx.AsyncClient) -> None:
    """The preview and the order agree: 2 x 1999 less 10% capped at 300 is 3698."""
    show = await live_show(client)
    bob = await signup(client, "bob")
    claim_id = await _claimed(
        client, show, bob, kind="percent", percent_off=10, max_discount_cents=300
    )
    url = f"/api/rooms/{show.room_id}/products/{show.tea}/quote"
    preview = await client.post(url, json={"quantity": 2, "best": True}, headers=bob.headers)
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert (p["suggested"], p["coupon_claim_id"], p["total_cents"]) == (claim_id, claim_id, 3698)
    order = await buy(client, bob, show, show.tea, "o1", quantity=2, coupon_claim_id=claim_id)
    assert order.status_code == 201, order.text
    o = order.json()
    assert (o["total_cents"], o["discount_cents"], o["coupon_claim_id"]) == (3698, 300, claim_id)
    assert await _claim_status(client, show, claim_id) == "redeemed"
    again = await buy(client, bob, show, show.cups, "o2", coupon_claim_id=claim_id)
    assert again.json()["error"]["code"] == "coupon_used"


async def test_refusals_change_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Another's coupon, a product it does not cover, below the minimum spend, expired:
    each a clear error, no order, no stock taken, the coupon still available."""
    show = await live_show(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    only_cups = await _claimed(client, show, bob, product_ids=[show.cups])
    big_spend = await _claimed(client, show, bob, min_spend_cents=5000)
    short = await _claimed(client, show, bob, valid_minutes=1)
    cases = [
        (eve, show.tea, only_cups, 404, "coupon_not_found"),
        (bob, show.tea, only_cups, 422, "coupon_not_applicable"),
        (bob, show.tea, big_spend, 422, "coupon_below_minimum"),
    ]
    for who, pid, claim_id, status, code in cases:
        answer = await buy(client, who, show, pid, f"k{claim_id}", coupon_claim_id=claim_id)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    checkout = app.state.resources.checkout
    checkout.clock = lambda: utcnow() + timedelta(minutes=2)
    late = await buy(client, bob, show, show.tea, "late", coupon_claim_id=short)
    assert late.json()["error"]["code"] == "coupon_expired"
    checkout.clock = utcnow
    assert await _stock(client, show.tea) == 50
    assert (await client.get("/api/orders", headers=bob.headers)).json()["orders"] == []
    for claim_id in (only_cups, big_spend, short):
        assert await _claim_status(client, show, claim_id) == "available"


async def test_cancel_and_expiry_give_the_coupon_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A cancelled order's coupon is usable again; an order expiring after the coupon
    itself expired does not bring it back."""
    show = await live_show(client)
    bob = await signup(client, "bob")
    claim_id = await _claimed(client, show, bob)
    first = (await buy(client, bob, show, show.tea, "a", coupon_claim_id=claim_id)).json()
    await client.post(f"/api/orders/{first['id']}/cancel", headers=bob.headers)
    assert await _claim_status(client, show, claim_id) == "available"
    second = await buy(client, bob, show, show.tea, "b", coupon_claim_id=claim_id)
    assert second.status_code == 201 and second.json()["total_cents"] == 1499
    short = await _claimed(client, show, bob, valid_minutes=5)
    third = (await buy(client, bob, show, show.cups, "c", coupon_claim_id=short)).json()
    assert third["total_cents"] == 0  # 5.00 off a 5.00 cup
    checkout = app.state.resources.checkout
    checkout.clock = lambda: utcnow() + timedelta(hours=1)
    # The app's own expiry loop may take some of them first: both end expired either way.
    await expire_due_orders(checkout, now=checkout.clock())
    checkout.clock = utcnow
    for order in (second.json(), third):
        mine = await client.get(f"/api/orders/{order['id']}", headers=bob.headers)
        assert mine.json()["status"] == "expired", mine.text
    assert await _claim_status(client, show, short) == "redeemed"  # lapsed with its order
    assert await _claim_status(client, show, claim_id) == "available"  # still valid


async def test_deal_price_and_coupons(client: httpx.AsyncClient) -> None:
    """On a flash deal a coupon is refused unless its merchant let it stack; then the
    deal price less the coupon is charged, and the fast path without a coupon is as
    before."""
    show = await live_show(client)
    bob = await signup(client, "bob")
    sale = (await launch(client, show.host, show.room_id, show.tea)).json()
    plain = await _claimed(client, show, bob)
    stacking = await _claimed(client, show, bob, amount_off_cents=100, stacks_with_deals=True)
    url = f"/api/sales/{sale['id']}/orders"

    async def order(key: str, claim_id: int | None) -> httpx.Response:
        headers = {**bob.headers, "Idempotency-Key": key}
        return await client.post(url, json={"coupon_claim_id": claim_id}, headers=headers)

    refused = await order("d1", plain)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "coupon_not_stackable")
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["sold"] == 0
    quote = await client.post(
        f"/api/sales/{sale['id']}/quote", json={"best": True}, headers=bob.headers
    )
    assert (quote.json()["suggested"], quote.json()["total_cents"]) == (stacking, 890)
    stacked = await order("d2", stacking)
    assert stacked.status_code == 201, stacked.text
    assert (stacked.json()["total_cents"], stacked.json()["unit_price_cents"]) == (890, 990)
    fast = await order("d3", None)
    assert fast.status_code == 201 and fast.json()["total_cents"] == 990
    assert (await client.get(f"/api/sales/{sale['id']}")).json()["sold"] == 2


async def test_templates_rules(client: httpx.AsyncClient) -> None:
    """Hosts make coupons within their merchant's cap only; an audience must be one of
    ours; a percentage needs a maximum."""
    from tests.promotions._shop import template

    show = await live_show(client)
    none_yet = await template(client, show.host, room_id=show.room_id)
    assert none_yet.status_code == 403
    cap = await client.put(
        "/api/coupons/policy", json={"host_cap_cents": 300}, headers=show.shop.headers
    )
    assert cap.status_code == 200
    over = await template(client, show.host, room_id=show.room_id, amount_off_cents=400)
    assert over.status_code == 403
    ok = await template(client, show.host, room_id=show.room_id, amount_off_cents=300)
    assert ok.status_code == 201 and ok.json()["merchant_id"] == show.shop.id
    unknown = await template(client, show.shop, audience="friends")
    assert unknown.status_code == 422 and "followers" in unknown.json()["error"]["message"]
    no_max = await template(client, show.shop, kind="percent", percent_off=10)
    assert no_max.status_code == 422


async def test_first_time_buyers_only(client: httpx.AsyncClient) -> None:
    """A first-time coupon is refused to a buyer who already ordered from the shop."""
    show = await live_show(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    assert (await buy(client, bob, show, show.cups, "earlier")).status_code == 201
    drop = await dropped(client, show, audience="first_time")
    refused = await claim(client, bob, drop["id"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "coupon_not_eligible")
    assert (await claim(client, eve, drop["id"])).status_code == 201
    listed = (await client.get(f"/api/rooms/{show.room_id}/coupons")).json()["drops"]
    assert listed[0]["claimed"] == 1


async def test_followers_only(client: httpx.AsyncClient) -> None:
    """A followers coupon goes to followers of the shop or of the show's host only."""
    show = await live_show(client)
    bob, eve, ann = [await signup(client, n) for n in ("bob", "eve", "ann")]
    for who, followee in ((bob, show.shop), (ann, show.host)):
        followed = await client.put(f"/api/follows/{followee.id}", headers=who.headers)
        assert followed.status_code == 204
    drop = await dropped(client, show, audience="followers")
    refused = await claim(client, eve, drop["id"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "coupon_not_eligible")
    assert (await claim(client, bob, drop["id"])).status_code == 201
    assert (await claim(client, ann, drop["id"])).status_code == 201
