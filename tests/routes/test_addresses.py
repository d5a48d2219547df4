"""The address book under /api/me/addresses, and the address an order is paid with."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from livecommerce.accounts.addresses import mask_phone
from tests.routes.test_orders import live_sale, order
from tests.users import ADDRESS, Account, address, signup

BOOK = "/api/me/addresses"


async def book(client: httpx.AsyncClient, buyer: Account) -> list[dict[str, Any]]:
    response = await client.get(BOOK, headers=buyer.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["addresses"]
    return found


async def test_first_address_is_the_default_and_one_default_only(
    client: httpx.AsyncClient,
) -> None:
    """The first address is the default; choosing another moves it; the default lists first."""
    bob = await signup(client, "bob")
    home = await address(client, bob)
    work = await address(client, bob, detail="9 Office Park")
    assert (home["is_default"], work["is_default"]) == (True, False)
    chosen = await client.post(f"{BOOK}/{work['id']}/default", headers=bob.headers)
    assert chosen.status_code == 200 and chosen.json()["is_default"]
    listed = await book(client, bob)
    assert [(a["id"], a["is_default"]) for a in listed] == [(work["id"], True), (home["id"], False)]
    third = await address(client, bob, detail="3 Gym St", is_default=True)
    assert [a["id"] for a in await book(client, bob) if a["is_default"]] == [third["id"]]


async def test_edit_and_delete_the_default_promotes_another(client: httpx.AsyncClient) -> None:
    """A patch changes only the fields sent; deleting the default makes the newest other one it."""
    bob = await signup(client, "bob")
    home = await address(client, bob)
    work = await address(client, bob, detail="9 Office Park")
    patched = await client.patch(f"{BOOK}/{home['id']}", json={"name": "Han Meimei"},
                                 headers=bob.headers)  # fmt: skip
    assert (patched.json()["name"], patched.json()["detail"]) == ("Han Meimei", ADDRESS["detail"])
    assert (await client.delete(f"{BOOK}/{home['id']}", headers=bob.headers)).status_code == 204
    assert [(a["id"], a["is_default"]) for a in await book(client, bob)] == [(work["id"], True)]


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x" * 41},
        {"detail": "y" * 201},
        {"region": "z" * 101},
        {"phone": "12"},
        {"phone": "call me"},
        {"name": "   "},
    ],
)
async def test_addresses_over_the_limits_are_refused(
    client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    """A field past its limit, an empty one or a bad phone is 422 invalid_address; nothing saved."""
    bob = await signup(client, "bob")
    made = await client.post(BOOK, json={**ADDRESS, **fields}, headers=bob.headers)
    assert (made.status_code, made.json()["error"]["code"]) == (422, "invalid_address")
    assert await book(client, bob) == []
    home = await address(client, bob)
    patched = await client.patch(f"{BOOK}/{home['id']}", json=fields, headers=bob.headers)
    assert patched.json()["error"]["code"] == "invalid_address"
    assert [a["name"] for a in await book(client, bob)] == [ADDRESS["name"]]


async def test_someone_elses_address_is_not_found(client: httpx.AsyncClient) -> None:
    """Another buyer's address cannot be read, changed, chosen or deleted (404)."""
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    home = await address(client, bob)
    for method, path, body in [
        ("PATCH", "", {"name": "Eve"}), ("POST", "/default", None), ("DELETE", "", None)
    ]:  # fmt: skip
        response = await client.request(
            method, f"{BOOK}/{home['id']}{path}", json=body, headers=eve.headers
        )
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert await book(client, eve) == []
    assert [a["name"] for a in await book(client, bob)] == [ADDRESS["name"]]


async def test_paying_without_an_address_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    """No address: 422 address_required, the order stays unpaid; with one it pays."""
    sale_id = await live_sale(client)
    bob = await signup(client, "bob")
    placed = (await order(client, bob, sale_id, "k")).json()
    refused = await client.post(f"/api/orders/{placed['id']}/pay", headers=bob.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "address_required")
    detail = (await client.get(f"/api/orders/{placed['id']}", headers=bob.headers)).json()
    assert (detail["status"], detail["address"]) == ("pending_payment", None)
    await address(client, bob)
    paid = await client.post(f"/api/orders/{placed['id']}/pay", headers=bob.headers)
    assert paid.json()["status"] == "paid"
    assert paid.json()["address"] == {k: v for k, v in ADDRESS.items()}


async def test_order_keeps_a_copy_of_the_address_it_was_paid_with(
    client: httpx.AsyncClient,
) -> None:
    """Paying with a chosen address copies it; editing or deleting it later moves nothing."""
    sale_id = await live_sale(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    await address(client, bob)
    work = await address(client, bob, detail="9 Office Park")
    theirs = await address(client, eve)
    placed = (await order(client, bob, sale_id, "k")).json()
    url = f"/api/orders/{placed['id']}/pay"
    stolen = await client.post(url, json={"address_id": theirs["id"]}, headers=bob.headers)
    assert stolen.status_code == 404
    paid = await client.post(url, json={"address_id": work["id"]}, headers=bob.headers)
    assert paid.json()["address"]["detail"] == "9 Office Park"
    await client.patch(f"{BOOK}/{work['id']}", json={"detail": "moved"}, headers=bob.headers)
    await client.delete(f"{BOOK}/{work['id']}", headers=bob.headers)
    detail = (await client.get(f"/api/orders/{placed['id']}", headers=bob.headers)).json()
    assert detail["address"]["detail"] == "9 Office Park"


async def test_the_book_is_bounded(client: httpx.AsyncClient) -> None:
    """Past 20 addresses the next is 409 too_many_addresses."""
    bob = await signup(client, "bob")
    for i in range(20):
        await address(client, bob, detail=f"{i} Road")
    over = await client.post(BOOK, json=ADDRESS, headers=bob.headers)
    assert (over.status_code, over.json()["error"]["code"]) == (409, "too_many_addresses")


def test_phones_are_masked_for_merchants() -> None:
    """The merchant sees the first three and last four digits of a mobile number."""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "861****5678"
    assert "1234" not in mask_phone("138123456")
