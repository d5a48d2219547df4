"""Bulk shipping from a CSV upload: all or none, each bad row named by line and code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from livecommerce.orders import bulk_ship
from livecommerce.storage.models import OrderAudit
from tests.routes.test_merchant_orders import Shop, shop_with_orders
from tests.users import Account, signup

UPLOAD = "/api/merchant/shipments"


async def upload(client: httpx.AsyncClient, who: Account, text: str) -> httpx.Response:
    headers = {**who.headers, "Content-Type": "text/csv"}
    return await client.post(UPLOAD, content=text.encode(), headers=headers)


async def statuses(client: httpx.AsyncClient, shop: Shop) -> list[str]:
    found = []
    for buyer, placed in zip(shop.buyers, shop.orders, strict=True):
        body = (await client.get(f"/api/orders/{placed['id']}", headers=buyer.headers)).json()
        found.append(body["status"])
    return found


async def audit_rows(app: FastAPI) -> int:
    async with app.state.resources.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(OrderAudit)) or 0)


async def test_a_clean_file_ships_every_order_with_audit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Every listed paid order is shipped with its tracking, and audited once."""
    shop = await shop_with_orders(client, count=3, paid=3)
    first, second, third = (o["id"] for o in shop.orders)
    before = await audit_rows(app)
    text = (
        "\ufefforder_id,carrier,tracking_number\r\n"
        f"{first},SF Express,SF001\n"
        f'#{second},"ZTO, Shanghai",ZT002\n\n'
        f"{third},EMS,E3\n"
    )
    response = await upload(client, shop.merchant, text)
    assert response.status_code == 200, response.text
    assert response.json() == {"shipped": 3, "skipped": []}
    assert await statuses(client, shop) == ["shipped"] * 3
    detail = (await client.get(f"/api/orders/{second}", headers=shop.buyers[1].headers)).json()
    assert (detail["carrier"], detail["tracking_number"]) == ("ZTO, Shanghai", "ZT002")
    assert await audit_rows(app) == before + 3
    again = await upload(client, shop.merchant, text)
    assert {r["code"] for r in again.json()["error"]["rows"]} == {"illegal_transition"}


async def test_bad_rows_are_each_reported_and_nothing_ships(client: httpx.AsyncClient) -> None:
    """Any bad row refuses the whole file (422), listing each bad line with its code."""
    shop = await shop_with_orders(client, count=3, paid=2)
    paid, other, unpaid = (o["id"] for o in shop.orders)
    text = "\n".join([
        "order_id,carrier,tracking_number",
        f"{paid},SF,SF1",            # line 2: good
        "abc,SF,SF2",                # 3: not an id
        f"{other},,SF3",             # 4: no carrier
        f"{other},SF,{'x' * 81}",    # 5: tracking number too long
        f"{paid},SF,SF1",            # 6: listed twice
        f"{unpaid},SF,SF7",          # 7: not paid yet
        "999999,SF,SF8",             # 8: no such order
        "1,2",                       # 9: two columns
    ])  # fmt: skip
    response = await upload(client, shop.merchant, text)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "bad_shipment_file")
    rows = [(r["line"], r["code"]) for r in response.json()["error"]["rows"]]
    assert rows == [
        (3, "invalid_order_id"), (4, "invalid_carrier"), (5, "invalid_tracking_number"),
        (6, "duplicate_order"), (7, "illegal_transition"), (8, "not_found"), (9, "invalid_row"),
    ]  # fmt: skip
    assert await statuses(client, shop) == ["paid", "paid", "pending_payment"]


async def test_someone_elses_orders_are_refused(client: httpx.AsyncClient) -> None:
    """A rival's file naming this shop's orders ships nothing; a viewer may not upload."""
    shop = await shop_with_orders(client, count=1, paid=1)
    rival = await signup(client, "rival", "merchant")
    text = f"order_id,carrier,tracking_number\n{shop.orders[0]['id']},SF,SF1\n"
    response = await upload(client, rival, text)
    assert [(r["line"], r["code"]) for r in response.json()["error"]["rows"]] == [
        (2, "not_your_order")
    ]
    assert (await upload(client, shop.buyers[0], text)).status_code == 403
    assert await statuses(client, shop) == ["paid"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "invalid_header"),
        ("id,carrier\n1,SF\n", "invalid_header"),
        ("order_id,carrier,tracking_number\n", "no_rows"),
    ],
)
async def test_files_without_rows_are_refused(
    client: httpx.AsyncClient, text: str, code: str
) -> None:
    """A file without the header or without rows is refused at line 1."""
    merchant = await signup(client, "shop", "merchant")
    response = await upload(client, merchant, text)
    assert response.status_code == 422
    assert [(r["line"], r["code"]) for r in response.json()["error"]["rows"]] == [(1, code)]


async def test_not_utf8_and_too_big_are_refused(client: httpx.AsyncClient) -> None:
    """A file that is not UTF-8 is refused by code; one over 4 MiB is 413."""
    merchant = await signup(client, "shop", "merchant")
    headers = {**merchant.headers, "Content-Type": "text/csv"}
    latin = await client.post(UPLOAD, content="order_id\n\xe9".encode("latin-1"), headers=headers)
    assert latin.json()["error"]["rows"][0]["code"] == "invalid_encoding"
    huge = await client.post(UPLOAD, content=b"x" * (4 * 1024 * 1024 + 1), headers=headers)
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "too_large")


async def test_an_order_that_moves_meanwhile_is_skipped(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If an order leaves ``paid`` between the check and its batch, it is reported in
    ``skipped`` and the others still ship (the conditional update decides)."""
    shop = await shop_with_orders(client, count=2, paid=1)
    paid, unpaid = (o["id"] for o in shop.orders)

    async def nothing_wrong(*args: Any) -> list[Any]:
        return []  # stands in for a check that ran before the order changed

    monkeypatch.setattr(bulk_ship, "_check", nothing_wrong)
    text = f"order_id,carrier,tracking_number\n{paid},SF,SF1\n{unpaid},SF,SF2\n"
    body = (await upload(client, shop.merchant, text)).json()
    assert body["shipped"] == 1
    assert [(r["line"], r["code"]) for r in body["skipped"]] == [(3, "illegal_transition")]
    assert await statuses(client, shop) == ["shipped", "pending_payment"]
