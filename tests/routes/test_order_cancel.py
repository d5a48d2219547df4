"""The merchant cancels a paid order before shipping: refunded in full, refused after."""

from __future__ import annotations

import httpx

from tests.routes.test_order_actions import bought


async def test_a_paid_order_is_cancelled_and_refunded(client: httpx.AsyncClient) -> None:
    """Cancel with a reason: refunded in full, the timeline shows it; again is refused."""
    shop, bob, oid = await bought(client)
    path = f"/api/merchant/orders/{oid}/cancel"
    no_reason = await client.post(path, json={"reason": " "}, headers=shop.headers)
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (422, "invalid_input")
    by_buyer = await client.post(path, json={"reason": "x"}, headers=bob.headers)
    assert by_buyer.status_code == 403
    cancelled = await client.post(path, json={"reason": "out of stock"}, headers=shop.headers)
    assert cancelled.status_code == 200, cancelled.text
    order = cancelled.json()
    assert (order["status"], order["refunded_cents"]) == ("refunded", 3 * order["unit_price_cents"])
    steps = (await client.get(f"/api/orders/{oid}/timeline", headers=bob.headers)).json()
    assert [s["status"] for s in steps["timeline"]] == ["placed", "paid", "refunding", "refunded"]
    again = await client.post(path, json={"reason": "out of stock"}, headers=shop.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_refunded")


async def test_a_shipped_order_cannot_be_cancelled(client: httpx.AsyncClient) -> None:
    """Once shipped the cancel is refused with illegal_transition and changes nothing."""
    shop, bob, oid = await bought(client)
    body = {"carrier": "SF", "tracking_number": "SF1"}
    await client.post(f"/api/merchant/orders/{oid}/ship", json=body, headers=shop.headers)
    refused = await client.post(
        f"/api/merchant/orders/{oid}/cancel", json={"reason": "oops"}, headers=shop.headers
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "illegal_transition")
    mine = (await client.get("/api/orders", headers=bob.headers)).json()["orders"]
    assert [(o["id"], o["status"]) for o in mine] == [(oid, "shipped")]


async def test_the_order_list_answers_304_until_an_order_changes(
    client: httpx.AsyncClient,
) -> None:
    """ "My orders" polls with If-None-Match: unchanged is 304, a cancellation is news."""
    shop, bob, oid = await bought(client)
    first = await client.get("/api/orders", headers=bob.headers)
    etag = first.headers["ETag"]
    unchanged = {**bob.headers, "If-None-Match": etag}
    assert (await client.get("/api/orders", headers=unchanged)).status_code == 304
    path = f"/api/merchant/orders/{oid}/cancel"
    await client.post(path, json={"reason": "out of stock"}, headers=shop.headers)
    changed = await client.get("/api/orders", headers=unchanged)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["orders"][0]["status"] in ("refunding", "refunded")
