from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.orders.payment import WebhookSigner
from tests.routes.test_sales import launch, shop_with_room
from tests.sql import statements
from tests.users import Account, address, signup


async def live_sale(client: httpx.AsyncClient, **terms: Any) -> int:
    shop, _, rid, pid = await shop_with_room(client, live=True)
    response = await launch(client, shop, rid, pid, **terms)
    assert response.status_code == 201, response.text
    sale_id: int = response.json()["id"]
    return sale_id


async def order(
    client: httpx.AsyncClient, buyer: Account, sale_id: int, key: str, quantity: int = 1
) -> httpx.Response:
    headers = {**buyer.headers, "Idempotency-Key": key}
    return await client.post(
        f"/api/sales/{sale_id}/orders", json={"quantity": quantity}, headers=headers
    )


async def test_buy_repeat_list_and_pay(client: httpx.AsyncClient) -> None:
    """An order is 201, its repeat 200 with the same id; it is listed and can be paid."""
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    await address(client, buyer)
    first = await order(client, buyer, sale_id, "k-1", 2)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["total_cents"]) == ("pending_payment", 1980)
    repeat = await order(client, buyer, sale_id, "k-1", 2)
    assert repeat.status_code == 200 and repeat.json()["id"] == first.json()["id"]
    mine = (await client.get("/api/orders", headers=buyer.headers)).json()["orders"]
    assert [o["id"] for o in mine] == [first.json()["id"]]
    paid = await client.post(f"/api/orders/{first.json()['id']}/pay", headers=buyer.headers)
    assert paid.json()["status"] == "paid" and paid.json()["payment"]["confirmed"]
    cancel = await client.post(f"/api/orders/{first.json()['id']}/cancel", headers=buyer.headers)
    assert cancel.status_code == 409


async def test_refusals_carry_stable_codes(client: httpx.AsyncClient) -> None:
    """No token is 401, no key is 422, over the limit and sold out are 409 with codes."""
    sale_id = await live_sale(client, quantity=3, per_user_limit=2)
    buyer, other = await signup(client, "bob"), await signup(client, "eve")
    anonymous = await client.post(f"/api/sales/{sale_id}/orders", json={"quantity": 1})
    assert anonymous.status_code == 401
    no_key = await client.post(
        f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=buyer.headers
    )
    assert no_key.status_code == 422
    assert (await order(client, buyer, sale_id, "a", 2)).status_code == 201
    over = await order(client, buyer, sale_id, "b", 1)
    assert (over.status_code, over.json()["error"]["code"]) == (409, "limit_exceeded")
    assert (await order(client, other, sale_id, "c", 1)).status_code == 201
    gone = await order(client, other, sale_id, "d", 1)
    assert (gone.status_code, gone.json()["error"]["code"]) == (409, "sold_out")


async def test_losers_never_touch_the_database(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Once a sale is sold out, refused attempts run no SQL at all."""
    sale_id = await live_sale(client, quantity=1, per_user_limit=1)
    buyers = [await signup(client, f"buyer{i}") for i in range(4)]
    assert (await order(client, buyers[0], sale_id, "win")).status_code == 201
    with statements(app.state.resources.db.engine) as sent:
        for i, buyer in enumerate(buyers[1:]):
            response = await order(client, buyer, sale_id, f"lose-{i}")
            assert response.json()["error"]["code"] == "sold_out"
    assert sent == []


async def test_buyers_see_only_their_own_orders(client: httpx.AsyncClient) -> None:
    """Another buyer's order is a 404 to read, pay or cancel."""
    sale_id = await live_sale(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    order_id = (await order(client, bob, sale_id, "k")).json()["id"]
    for method, path in [("GET", ""), ("POST", "/pay"), ("POST", "/cancel")]:
        response = await client.request(
            method, f"/api/orders/{order_id}{path}", headers=eve.headers
        )
        assert response.status_code == 404


async def test_signed_webhook_confirms_a_pending_payment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A provider paying by webhook: bad signatures are 401, a good one pays the order."""
    sale_id = await live_sale(client)
    bob = await signup(client, "bob")
    await address(client, bob)
    order_id = (await order(client, bob, sale_id, "k")).json()["id"]
    started = await client.post(
        f"/api/orders/{order_id}/pay", json={"provider": "sandbox_webhook"}, headers=bob.headers
    )
    assert started.json()["status"] == "pending_payment"
    reference = started.json()["payment"]["reference"]
    body = json.dumps({"reference": reference, "status": "succeeded"}).encode()
    url = "/api/payments/sandbox_webhook/webhook"
    forged = {"X-Livecommerce-Signature": WebhookSigner("wrong", "sandbox_webhook").sign(body)}
    assert (await client.post(url, content=body, headers=forged)).status_code == 401
    secret = app.state.resources.settings.secret_key
    signed = {"X-Livecommerce-Signature": WebhookSigner(secret, "sandbox_webhook").sign(body)}
    confirmed = await client.post(url, content=body, headers=signed)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["order"]["status"] == "paid"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_sandbox_can_be_switched_off(client: httpx.AsyncClient, app: FastAPI) -> None:
    """With the sandbox off, paying through it is refused and the order stays unpaid."""
    app.state.resources.settings.payments_sandbox = False
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    placed = (await order(client, buyer, sale_id, "k")).json()
    refused = await client.post(f"/api/orders/{placed['id']}/pay", headers=buyer.headers)
    assert refused.status_code == 403
    status = (await client.get(f"/api/orders/{placed['id']}", headers=buyer.headers)).json()
    assert status["status"] == "pending_payment"


async def test_merchant_sees_orders_of_their_products(client: httpx.AsyncClient) -> None:
    """The merchant lists orders on their products with the buyer; others cannot."""
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    placed = (await order(client, buyer, sale_id, "k")).json()
    shop_login = await client.post(
        "/api/auth/login", json={"handle": "shop", "password": "correct horse"}
    )
    client.cookies.clear()
    shop = {"Authorization": f"Bearer {shop_login.json()['token']}"}
    listed = (await client.get("/api/merchant/orders", headers=shop)).json()["orders"]
    assert [(o["id"], o["buyer"]) for o in listed] == [(placed["id"], "bob")]
    rival = await signup(client, "rival", "merchant")
    rivals = (await client.get("/api/merchant/orders", headers=rival.headers)).json()
    assert (rivals["orders"], rivals["total"]) == ([], 0)
    assert (await client.get("/api/merchant/orders", headers=buyer.headers)).status_code == 403


async def test_purchase_attempts_are_limited_per_buyer(client: httpx.AsyncClient) -> None:
    """Past 5 attempts a second a buyer gets 429 with Retry-After; another buyer does not."""
    sale_id = await live_sale(client, quantity=50, per_user_limit=50)
    buyer, other = await signup(client, "bob"), await signup(client, "eve")
    # 12 in well under a second: whichever way a window boundary splits them, one
    # window holds more than 5.
    answers = [await order(client, buyer, sale_id, f"k{i}") for i in range(12)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused and int(refused[0].headers["retry-after"]) >= 1
    assert refused[0].json()["error"]["code"] == "rate_limited"
    assert (await order(client, other, sale_id, "e1")).status_code == 201
