"""A sandbox that refuses refunds (LIVECOMMERCE_SANDBOX_REFUSE_REFUNDS): the merchant's
list and timeline show the failed refund, and the retry route asks again."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.orders import refunds
from livecommerce.orders.payment import build_providers
from livecommerce.settings import Settings
from livecommerce.storage.models import utcnow
from tests.routes.test_order_actions import bought


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_refuse_refunds": True})


async def test_a_failed_refund_is_shown_and_retried(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Approve: the refusal leaves it refunding; once the loop gave up the list says
    refund_failed and the timeline failed; retry makes it pending again, with the same
    reference; a second retry while none failed is refused."""
    shop, bob, oid = await bought(client)
    body = {"carrier": "SF", "tracking_number": "SF1"}
    await client.post(f"/api/merchant/orders/{oid}/ship", json=body, headers=shop.headers)
    await client.post(f"/api/orders/{oid}/receipt", headers=bob.headers)
    await client.post(f"/api/orders/{oid}/return", json={"quantity": 3}, headers=bob.headers)
    approved = await client.post(f"/api/merchant/orders/{oid}/return/approve", headers=shop.headers)
    assert approved.json()["status"] == "refunding"
    listed = (await client.get("/api/merchant/orders", headers=shop.headers)).json()["orders"]
    assert [(o["id"], o["refund_failed"]) for o in listed] == [(oid, False)]
    db = app.state.resources.db
    later = utcnow() + timedelta(minutes=5)
    await refunds.pay_due(db, build_providers(refuse_refunds=True), now=later, max_attempts=2)
    listed = (await client.get("/api/merchant/orders", headers=shop.headers)).json()["orders"]
    assert [(o["id"], o["status"], o["refund_failed"]) for o in listed] == [
        (oid, "refunding", True)
    ]
    timeline = f"/api/merchant/orders/{oid}/timeline"
    failed = (await client.get(timeline, headers=shop.headers)).json()["refund"]
    assert (failed["status"], failed["attempts"]) == ("failed", 2)
    retry = f"/api/merchant/orders/{oid}/refund/retry"
    assert (await client.post(retry, headers=bob.headers)).status_code == 403
    retried = await client.post(retry, headers=shop.headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["refund"]["status"], retried.json()["refund"]["attempts"]) == (
        "pending",
        1,
    )
    again = await client.post(retry, headers=shop.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_transition")
