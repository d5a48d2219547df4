"""The merchant's order list (filters, search, pages) and its CSV exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.orders import listing
from livecommerce.storage.models import Refund
from tests.routes.test_sales import launch, shop_with_room
from tests.sql import statements
from tests.users import Account, address, product, signup

LIST = "/api/merchant/orders"


@dataclass
class Shop:
    merchant: Account
    room_id: int
    product_id: int
    buyers: list[Account]
    orders: list[dict[str, Any]]
    """Newest last: the first ``paid`` of them are paid."""


async def shop_with_orders(client: httpx.AsyncClient, count: int = 4, paid: int = 2) -> Shop:
    """``count`` buyers with one order each from a live deal; the first ``paid`` paid."""
    merchant, host, rid, pid = await shop_with_room(client, live=True)
    sale = (await launch(client, host, rid, pid, quantity=count, per_user_limit=1)).json()
    buyers, orders = [], []
    for i in range(count):
        buyer = await signup(client, f"buyer{i}")
        await address(client, buyer, phone=f"1380000{i:04d}")
        headers = {**buyer.headers, "Idempotency-Key": f"k{i}"}
        placed = await client.post(f"/api/sales/{sale['id']}/orders", json={"quantity": 1},
                                   headers=headers)  # fmt: skip
        assert placed.status_code == 201, placed.text
        if i < paid:
            url = f"/api/orders/{placed.json()['id']}/pay"
            assert (await client.post(url, headers=buyer.headers)).status_code == 200
        buyers.append(buyer)
        orders.append(placed.json())
    return Shop(merchant, rid, pid, buyers, orders)


async def listed(client: httpx.AsyncClient, shop: Shop, **query: Any) -> dict[str, Any]:
    response = await client.get(LIST, params=query, headers=shop.merchant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [o["id"] for o in body["orders"]]


async def test_filters_by_status_show_product_and_search(client: httpx.AsyncClient) -> None:
    """Each filter narrows the list; search finds an order by id or its buyer's handle."""
    shop = await shop_with_orders(client)
    every = [o["id"] for o in reversed(shop.orders)]
    assert ids(await listed(client, shop)) == every
    paid = await listed(client, shop, status="paid")
    assert (ids(paid), paid["total"]) == (every[-2:], 2)
    assert ids(await listed(client, shop, room_id=shop.room_id)) == every
    assert ids(await listed(client, shop, room_id=shop.room_id + 100)) == []
    assert ids(await listed(client, shop, product_id=shop.product_id)) == every
    target = shop.orders[1]["id"]
    assert ids(await listed(client, shop, q=f"#{target}")) == [target]
    assert ids(await listed(client, shop, q="buyer3")) == [shop.orders[3]["id"]]
    assert ids(await listed(client, shop, q="buyer_%")) == []  # LIKE characters are literal


async def test_date_range_and_addresses_with_masked_phones(client: httpx.AsyncClient) -> None:
    """since/until bound the placing time; paid orders carry their address, phone masked."""
    shop = await shop_with_orders(client, count=2, paid=1)
    now = datetime.now(UTC)
    window = {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}
    assert len(ids(await listed(client, shop, **window))) == 2
    later = {"since": (now + timedelta(minutes=5)).isoformat()}
    assert ids(await listed(client, shop, **later)) == []
    body = await listed(client, shop, status="paid")
    assert body["orders"][0]["address"]["phone"] == "138****0000"
    assert body["orders"][0]["buyer"] == "buyer0"
    naive = await client.get(LIST, params={"since": "2030-01-01T00:00:00"},
                             headers=shop.merchant.headers)  # fmt: skip
    assert (naive.status_code, naive.json()["error"]["code"]) == (422, "invalid_input")


async def test_keyset_pages_cover_every_order_once(client: httpx.AsyncClient) -> None:
    """Pages of 2 walk all 5 orders, newest first, each with the same total."""
    shop = await shop_with_orders(client, count=5, paid=0)
    seen: list[int] = []
    before: int | None = None
    while True:
        page = await listed(client, shop, limit=2, **({"before": before} if before else {}))
        assert page["total"] == 5
        seen += ids(page)
        before = page["next_before"]
        if before is None:
            break
    assert seen == [o["id"] for o in reversed(shop.orders)]


async def test_others_see_nothing_and_bad_filters_are_refused(client: httpx.AsyncClient) -> None:
    """A rival merchant sees none of the orders; a viewer is 403; a bad status is 422."""
    shop = await shop_with_orders(client, count=1, paid=0)
    rival = await signup(client, "rival", "merchant")
    theirs = (await client.get(LIST, headers=rival.headers)).json()
    assert (theirs["orders"], theirs["total"]) == ([], 0)
    csv_text = (await client.get("/api/merchant/exports/orders.csv", headers=rival.headers)).text
    assert len(csv_text.strip().splitlines()) == 1  # the header only
    viewer = await client.get(LIST, headers=shop.buyers[0].headers)
    assert (viewer.status_code, viewer.json()["error"]["code"]) == (403, "forbidden")
    bad = await client.get(LIST, params={"status": "lost"}, headers=shop.merchant.headers)
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_input")


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_orders_export_streams_in_batches(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV holds every filtered order, read a batch per query, phones masked."""
    shop = await shop_with_orders(client, count=5, paid=2)
    monkeypatch.setattr(listing, "EXPORT_BATCH", 2)
    with statements(app.state.resources.db.engine) as sent:
        response = await client.get("/api/merchant/exports/orders.csv",
                                    headers=shop.merchant.headers)  # fmt: skip
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = rows_of(response.text)
    assert [int(r["order_id"]) for r in rows] == [o["id"] for o in reversed(shop.orders)]
    assert len([s for s in sent if s.startswith("SELECT") and 'FROM "order"' in s]) == 3  # 2+2+1
    paid = [r for r in rows if r["status"] == "paid"]
    assert {r["ship_phone"] for r in paid} == {"138****0000", "138****0001"}
    filtered = await client.get("/api/merchant/exports/orders.csv", params={"status": "paid"},
                                headers=shop.merchant.headers)  # fmt: skip
    assert len(rows_of(filtered.text)) == 2


async def test_refunds_export_lists_the_merchants_refunds(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Refund rows of the merchant's orders export with their order and buyer, as text."""
    shop = await shop_with_orders(client, count=1, paid=1)
    now = datetime.now(UTC)
    async with app.state.resources.db.unit_of_work() as uow:
        uow.session.add(Refund(order_id=shop.orders[0]["id"], quantity=1, amount_cents=990,
                               provider="sandbox", reference="=cmd|'/c calc'!A1",
                               status="pending", created_at=now, leased_until=now))  # fmt: skip
    response = await client.get("/api/merchant/exports/refunds.csv",
                                headers=shop.merchant.headers)  # fmt: skip
    [row] = rows_of(response.text)
    assert (int(row["order_id"]), row["buyer"], row["amount_cents"]) == (
        shop.orders[0]["id"], "buyer0", "990"
    )  # fmt: skip
    assert row["reference"].startswith("'=")  # never a formula in a spreadsheet
    rival = await signup(client, "rival", "merchant")
    theirs = await client.get("/api/merchant/exports/refunds.csv", headers=rival.headers)
    assert rows_of(theirs.text) == []
    await product(client, rival)  # a rival with products still sees none of these
    assert rows_of((await client.get("/api/merchant/exports/refunds.csv",
                                      headers=rival.headers)).text) == []  # fmt: skip
