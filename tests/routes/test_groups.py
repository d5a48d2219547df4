"""Group buys over HTTP: a merchant offers, a buyer opens and shares, two join through
the link and pay, the group completes; bad joins answer with their codes."""

from __future__ import annotations

import httpx

from tests import users


async def _setup(client: httpx.AsyncClient) -> tuple[users.Account, int, int]:
    merchant = await users.signup(client, "gmerchant", "merchant")
    item = await users.product(client, merchant)
    room = await users.room(client, merchant, merchant, [item["id"]])
    offer = await client.post(
        f"/api/rooms/{room['id']}/group-offers", headers=merchant.headers,
        json={"product_id": item["id"], "price_cents": 999, "size": 3, "stock": 30},
    )  # fmt: skip
    assert offer.status_code == 201, offer.text
    return merchant, room["id"], offer.json()["id"]


async def _buyer(client: httpx.AsyncClient, handle: str) -> users.Account:
    buyer = await users.signup(client, handle)
    await users.address(client, buyer)
    return buyer


def _key(buyer: users.Account, key: str) -> dict[str, str]:
    return {**buyer.headers, "Idempotency-Key": key}


async def test_open_share_join_pay_complete(client: httpx.AsyncClient) -> None:
    """Three buyers fill a group through its share link; it completes; the room lists it
    while open and the detail shows it completed."""
    _, room_id, offer_id = await _setup(client)
    buyers = [await _buyer(client, f"gbuy{i}") for i in range(3)]
    opened = await client.post(f"/api/group-offers/{offer_id}/groups",
                               headers=_key(buyers[0], "k1"), json={})  # fmt: skip
    assert opened.status_code == 201, opened.text
    group = opened.json()["group"]
    assert group["share_path"] == f"/rooms/{room_id}?group={group['id']}"
    listed = (await client.get(f"/api/rooms/{room_id}/groups")).json()
    assert [g["seats_taken"] for g in listed["groups"]] == [1]
    orders = [opened.json()["order"]["id"]]
    for buyer in buyers[1:]:
        joined = await client.post(f"/api/groups/{group['id']}/join",
                                   headers=_key(buyer, "k1"), json={})  # fmt: skip
        assert joined.status_code == 201, joined.text
        orders.append(joined.json()["order"]["id"])
    for buyer, order_id in zip(buyers, orders, strict=True):
        paid = await client.post(f"/api/orders/{order_id}/pay", headers=buyer.headers)
        assert paid.status_code == 200, paid.text
    detail = (await client.get(f"/api/groups/{group['id']}")).json()
    assert (detail["group"]["status"], detail["group"]["seats_taken"]) == ("completed", 3)


async def test_bad_joins_answer_with_their_codes(client: httpx.AsyncClient) -> None:
    """Twice in one group (409 already_in_group), the same key again (200, same order),
    a full group (409 group_full), an unknown group (404)."""
    _, _, offer_id = await _setup(client)
    buyers = [await _buyer(client, f"gbad{i}") for i in range(4)]
    opened = await client.post(f"/api/group-offers/{offer_id}/groups",
                               headers=_key(buyers[0], "a"), json={})  # fmt: skip
    group_id = opened.json()["group"]["id"]
    again = await client.post(f"/api/group-offers/{offer_id}/groups",
                              headers=_key(buyers[0], "a"), json={})  # fmt: skip
    assert again.status_code == 200 and again.json()["order"] == opened.json()["order"]
    twice = await client.post(f"/api/groups/{group_id}/join", headers=_key(buyers[0], "b"),
                              json={})  # fmt: skip
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_in_group")
    for buyer in buyers[1:3]:
        await client.post(f"/api/groups/{group_id}/join", headers=_key(buyer, "a"), json={})
    full = await client.post(f"/api/groups/{group_id}/join", headers=_key(buyers[3], "a"),
                             json={})  # fmt: skip
    assert (full.status_code, full.json()["error"]["code"]) == (409, "group_full")
    missing = await client.post("/api/groups/999999/join", headers=_key(buyers[3], "a"), json={})
    assert missing.status_code == 404


async def test_seats_and_report(client: httpx.AsyncClient) -> None:
    """A buyer's seats carry their group's state (filtered by room); the room's merchant
    sees every group of the room, a viewer is refused (403)."""
    merchant, room_id, offer_id = await _setup(client)
    buyer, other = await _buyer(client, "gseat0"), await _buyer(client, "gseat1")
    opened = await client.post(f"/api/group-offers/{offer_id}/groups",
                               headers=_key(buyer, "s1"), json={})  # fmt: skip
    group_id, order_id = opened.json()["group"]["id"], opened.json()["order"]["id"]
    await client.post(f"/api/groups/{group_id}/join", headers=_key(other, "s1"), json={})
    seats = (await client.get("/api/me/group-seats", headers=buyer.headers)).json()["seats"]
    assert [(s["order_id"], s["active"], s["group"]["seats_taken"]) for s in seats] == [
        (order_id, True, 2)
    ]
    elsewhere = await client.get(
        f"/api/me/group-seats?room_id={room_id + 1}", headers=buyer.headers
    )
    assert elsewhere.json()["seats"] == []
    assert (await client.get("/api/me/group-seats")).status_code == 401
    report = await client.get(f"/api/rooms/{room_id}/groups/report", headers=merchant.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert [o["id"] for o in body["offers"]] == [offer_id]
    assert [(g["id"], g["status"], g["seats_taken"]) for g in body["groups"]] == [
        (group_id, "open", 2)
    ]
    refused = await client.get(f"/api/rooms/{room_id}/groups/report", headers=buyer.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
