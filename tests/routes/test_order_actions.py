"""The after-payment API: ship, receipt, return, approve/reject, timeline, refund webhook."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from livecommerce.orders.payment import WebhookSigner
from livecommerce.storage.models import Payment, Refund
from tests.routes.test_sales import shop_with_room
from tests.users import Account, address, signup


async def bought(
    client: httpx.AsyncClient, provider: str = "sandbox"
) -> tuple[Account, Account, int]:
    shop, _, rid, pid = await shop_with_room(client, live=True)
    bob = await signup(client, "bob")
    await address(client, bob)
    headers = {**bob.headers, "Idempotency-Key": "k1"}
    placed = await client.post(
        f"/api/rooms/{rid}/products/{pid}/orders", json={"quantity": 3}, headers=headers
    )
    assert placed.status_code == 201, placed.text
    order_id: int = placed.json()["id"]
    paid = await client.post(
        f"/api/orders/{order_id}/pay", json={"provider": provider}, headers=bob.headers
    )
    assert paid.status_code == 200, paid.text
    return shop, bob, order_id


async def test_ship_receive_return_approve_with_timeline(client: httpx.AsyncClient) -> None:
    """The whole path over HTTP; refusals carry their codes and change nothing."""
    shop, bob, oid = await bought(client)
    rival = await signup(client, "rival", "merchant")
    body = {"carrier": "SF", "tracking_number": "SF100"}
    theirs = await client.post(f"/api/merchant/orders/{oid}/ship", json=body, headers=rival.headers)
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (403, "not_your_order")
    buyer_ship = await client.post(
        f"/api/merchant/orders/{oid}/ship", json=body, headers=bob.headers
    )
    assert buyer_ship.status_code == 403
    shipped = await client.post(f"/api/merchant/orders/{oid}/ship", json=body, headers=shop.headers)
    assert (shipped.json()["status"], shipped.json()["tracking_number"]) == ("shipped", "SF100")
    assert (await client.post(f"/api/orders/{oid}/receipt", headers=bob.headers)).json()[
        "status"
    ] == "delivered"
    too_many = await client.post(
        f"/api/orders/{oid}/return", json={"quantity": 4}, headers=bob.headers
    )
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (409, "return_too_many")
    asked = await client.post(
        f"/api/orders/{oid}/return", json={"quantity": 3}, headers=bob.headers
    )
    assert asked.json()["status"] == "refund_requested"
    approved = await client.post(f"/api/merchant/orders/{oid}/return/approve", headers=shop.headers)
    assert (approved.json()["status"], approved.json()["refunded_cents"]) == (
        "refunded",
        3 * approved.json()["unit_price_cents"],
    )
    again = await client.post(f"/api/merchant/orders/{oid}/return/approve", headers=shop.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_refunded")
    steps = (await client.get(f"/api/orders/{oid}/timeline", headers=bob.headers)).json()[
        "timeline"
    ]
    assert [s["status"] for s in steps] == [
        "placed",
        "paid",
        "shipped",
        "delivered",
        "refund_requested",
        "refunding",
        "refunded",
    ]
    assert (
        await client.get(f"/api/orders/{oid}/timeline", headers=rival.headers)
    ).status_code == 404


async def test_refund_webhook_is_signed_and_idempotent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A provider refunding by webhook: forged is 401, good settles, a replay is a no-op."""
    shop, bob, oid = await bought(client, "sandbox_webhook")
    secret = app.state.resources.settings.secret_key
    pay_ref = (await client.get(f"/api/orders/{oid}", headers=bob.headers)).json()
    assert pay_ref["status"] == "pending_payment"
    db = app.state.resources.db
    async with db.read() as session:
        reference = await session.scalar(select(Payment.reference).where(Payment.order_id == oid))
    body = json.dumps({"reference": reference, "status": "succeeded"}).encode()
    signed = {"X-Livecommerce-Signature": WebhookSigner(secret, "sandbox_webhook").sign(body)}
    assert (
        await client.post("/api/payments/sandbox_webhook/webhook", content=body, headers=signed)
    ).status_code == 200
    body_ship = {"carrier": "SF", "tracking_number": "1"}
    await client.post(f"/api/merchant/orders/{oid}/ship", json=body_ship, headers=shop.headers)
    await client.post(f"/api/orders/{oid}/receipt", headers=bob.headers)
    await client.post(f"/api/orders/{oid}/return", json={"quantity": 1}, headers=bob.headers)
    approved = await client.post(f"/api/merchant/orders/{oid}/return/approve", headers=shop.headers)
    assert approved.json()["status"] == "refunding"
    async with db.read() as session:
        refund = await session.scalar(select(Refund).where(Refund.order_id == oid))
    assert refund is not None and refund.provider_reference is not None
    rbody = json.dumps({"reference": refund.provider_reference, "status": "succeeded"}).encode()
    url = "/api/refunds/sandbox_webhook/webhook"
    as_payment = {"X-Livecommerce-Signature": WebhookSigner(secret, "sandbox_webhook").sign(rbody)}
    assert (await client.post(url, content=rbody, headers=as_payment)).status_code == 401
    good = {
        "X-Livecommerce-Signature": WebhookSigner(
            secret, "sandbox_webhook", purpose="refund-webhook"
        ).sign(rbody)
    }
    first = await client.post(url, content=rbody, headers=good)
    assert (first.status_code, first.json()["duplicate"], first.json()["refund"]["status"]) == (
        200,
        False,
        "succeeded",
    )
    replay = await client.post(url, content=rbody, headers=good)
    assert (replay.status_code, replay.json()["duplicate"]) == (200, True)
    order = (await client.get(f"/api/orders/{oid}", headers=bob.headers)).json()
    assert (order["status"], order["refunded_quantity"]) == ("partially_refunded", 1)
