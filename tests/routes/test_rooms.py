from __future__ import annotations

import httpx
import pytest

from tests.users import Account, product, room, signup


async def _setup(client: httpx.AsyncClient) -> tuple[Account, Account, list[int]]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    ids = [(await product(client, shop, f"P{i}"))["id"] for i in range(3)]
    return shop, host, ids


async def test_schedule_list_start_end(client: httpx.AsyncClient) -> None:
    """A room moves scheduled -> live -> ended and is listed under each status."""
    shop, host, ids = await _setup(client)
    created = await room(client, shop, host, ids)
    rid = created["id"]
    assert created["status"] == "scheduled" and created["host_id"] == host.id
    listed = await client.get("/api/rooms", params={"status": "scheduled"})
    assert [r["id"] for r in listed.json()["rooms"]] == [rid]
    started = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    assert started.json()["status"] == "live" and started.json()["started_at"]
    live = await client.get("/api/rooms", params={"status": "live"})
    assert [r["id"] for r in live.json()["rooms"]] == [rid]
    ended = await client.post(f"/api/rooms/{rid}/end", headers=shop.headers)
    assert ended.json()["status"] == "ended"
    again = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "illegal_transition",
        "message": "cannot start a room that is ended",
    }


async def test_detail_has_shelf_in_order(client: httpx.AsyncClient) -> None:
    """Room detail lists the shelf in the order the merchant gave."""
    shop, host, ids = await _setup(client)
    rid = (await room(client, shop, host, list(reversed(ids))))["id"]
    detail = (await client.get(f"/api/rooms/{rid}")).json()
    assert [p["id"] for p in detail["shelf"]] == list(reversed(ids))


async def test_pin_and_unpin(client: httpx.AsyncClient) -> None:
    """The host pins a shelf product and unpins it; the detail shows the card."""
    shop, host, ids = await _setup(client)
    rid = (await room(client, shop, host, ids[:2]))["id"]
    pinned = await client.put(
        f"/api/rooms/{rid}/pin", json={"product_id": ids[1]}, headers=host.headers
    )
    assert pinned.status_code == 200
    detail = (await client.get(f"/api/rooms/{rid}")).json()
    assert detail["pinned_product"]["id"] == ids[1]
    await client.delete(f"/api/rooms/{rid}/pin", headers=host.headers)
    assert (await client.get(f"/api/rooms/{rid}")).json()["pinned_product"] is None


async def test_pin_rules(client: httpx.AsyncClient) -> None:
    """Only shelf products can be pinned, and only by the host, merchant or a moderator."""
    shop, host, ids = await _setup(client)
    rid = (await room(client, shop, host, ids[:1]))["id"]
    off_shelf = await client.put(
        f"/api/rooms/{rid}/pin", json={"product_id": ids[2]}, headers=host.headers
    )
    assert off_shelf.status_code == 422
    stranger = await signup(client, "stranger", "viewer")
    denied = await client.put(
        f"/api/rooms/{rid}/pin", json={"product_id": ids[0]}, headers=stranger.headers
    )
    assert denied.status_code == 403
    await client.post(
        f"/api/rooms/{rid}/moderators", json={"user_id": stranger.id}, headers=host.headers
    )
    allowed = await client.put(
        f"/api/rooms/{rid}/pin", json={"product_id": ids[0]}, headers=stranger.headers
    )
    assert allowed.status_code == 200
    start = await client.post(f"/api/rooms/{rid}/start", headers=stranger.headers)
    assert start.status_code == 403  # moderators pin, they do not run the show


async def test_only_host_or_merchant_start(client: httpx.AsyncClient) -> None:
    """Another host cannot start someone else's room."""
    shop, host, ids = await _setup(client)
    other = await signup(client, "other", "host")
    rid = (await room(client, shop, host, ids))["id"]
    response = await client.post(f"/api/rooms/{rid}/start", headers=other.headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"title": ""}, 422),
        ({"host": "nobody"}, 404),
        ({"host": "shop2"}, 200),
        ({"host": "viewer1"}, 422),
        ({"scheduled_at": "tomorrow"}, 422),
        ({"scheduled_at": "2030-01-01T12:00:00"}, 422),
        ({"product_ids": [999]}, 404),
        ({"product_ids": [1, 1]}, 422),
        ({"product_ids": "1"}, 422),
    ],
)
async def test_schedule_bad_input(
    client: httpx.AsyncClient, change: dict[str, object], status: int
) -> None:
    """Bad room fields are refused with the right status and nothing is created."""
    shop, _host, ids = await _setup(client)
    await signup(client, "shop2", "merchant")
    await signup(client, "viewer1", "viewer")
    body = {
        "title": "Show",
        "host": "anna",
        "scheduled_at": "2030-01-01T12:00:00Z",
        "product_ids": ids,
        **change,
    }
    response = await client.post("/api/rooms", json=body, headers=shop.headers)
    if status == 200:
        assert response.status_code == 201  # a merchant may host their own shows
        return
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert (await client.get("/api/rooms")).json()["rooms"] == []


async def test_another_merchants_products_on_shelf(client: httpx.AsyncClient) -> None:
    """A merchant cannot put another merchant's products on a shelf."""
    shop, _, _ = await _setup(client)
    rival = await signup(client, "rival", "merchant")
    theirs = (await product(client, rival))["id"]
    body = {
        "title": "Show",
        "host": "anna",
        "scheduled_at": "2030-01-01T12:00:00Z",
        "product_ids": [theirs],
    }
    response = await client.post("/api/rooms", json=body, headers=shop.headers)
    assert response.status_code == 403


async def test_unknown_room_and_bad_status(client: httpx.AsyncClient) -> None:
    """Unknown rooms are 404; an unknown status filter is 422."""
    assert (await client.get("/api/rooms/42")).status_code == 404
    assert (await client.get("/api/rooms", params={"status": "paused"})).status_code == 422


async def test_viewer_cannot_schedule(client: httpx.AsyncClient) -> None:
    """Only merchants schedule rooms."""
    viewer = await signup(client, "vee", "viewer")
    body = {"title": "Show", "host": "vee", "scheduled_at": "2030-01-01T12:00:00Z"}
    response = await client.post("/api/rooms", json=body, headers=viewer.headers)
    assert response.status_code == 403
