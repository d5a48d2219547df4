from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.users import product, signup


async def test_crud(client: httpx.AsyncClient) -> None:
    """A merchant creates, reads, lists, edits and deletes a product."""
    shop = await signup(client, "shop", "merchant")
    created = await product(client, shop, "Tea", price_cents=1999, stock=5)
    assert created["price_cents"] == 1999 and created["stock"] == 5
    pid = created["id"]
    assert (await client.get(f"/api/products/{pid}")).json()["title"] == "Tea"
    patch = await client.patch(
        f"/api/products/{pid}", json={"price_cents": 1500}, headers=shop.headers
    )
    assert patch.json()["price_cents"] == 1500
    mine = await client.get("/api/products", headers=shop.headers)
    assert [p["id"] for p in mine.json()["products"]] == [pid]
    assert (await client.delete(f"/api/products/{pid}", headers=shop.headers)).status_code == 204
    assert (await client.get(f"/api/products/{pid}")).status_code == 404


BAD: list[tuple[dict[str, Any], str]] = [
    ({"price_cents": -1}, "price_cents"),
    ({"price_cents": 0}, "price_cents"),
    ({"price_cents": 10**11}, "price_cents"),
    ({"price_cents": 10**30}, "price_cents"),
    ({"price_cents": 19.99}, "price_cents"),
    ({"price_cents": "1999"}, "price_cents"),
    ({"stock": -5}, "stock"),
    ({"stock": True}, "stock"),
    ({"title": ""}, "title"),
    ({"title": "t" * 121}, "title"),
    ({"title": "t" * 5000}, "title"),
    ({"description": "d" * 4001}, "description"),
    ({"image_url": "javascript:alert(1)"}, "image_url"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
async def test_bad_product_fields(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    """Each bad field is a 422 whose message names it, and nothing is stored."""
    shop = await signup(client, "shop", "merchant")
    body = {"title": "Tea", "price_cents": 100, "stock": 1, **change}
    response = await client.post("/api/products", json=body, headers=shop.headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]
    mine = await client.get("/api/products", headers=shop.headers)
    assert mine.json()["products"] == []


async def test_missing_fields(client: httpx.AsyncClient) -> None:
    """Missing required fields are named."""
    shop = await signup(client, "shop", "merchant")
    response = await client.post("/api/products", json={"title": "x"}, headers=shop.headers)
    assert response.status_code == 422
    assert "price_cents" in response.json()["error"]["message"]


async def test_only_merchants_create(client: httpx.AsyncClient) -> None:
    """Viewers and hosts may not create products; anonymous callers must log in."""
    viewer = await signup(client, "vee", "viewer")
    body = {"title": "Tea", "price_cents": 100, "stock": 1}
    refused = await client.post("/api/products", json=body, headers=viewer.headers)
    assert refused.status_code == 403
    assert (await client.post("/api/products", json=body)).status_code == 401


async def test_another_merchants_product(client: httpx.AsyncClient) -> None:
    """A merchant cannot edit or delete another merchant's product."""
    owner = await signup(client, "owner", "merchant")
    rival = await signup(client, "rival", "merchant")
    pid = (await product(client, owner))["id"]
    patch = await client.patch(f"/api/products/{pid}", json={"stock": 0}, headers=rival.headers)
    assert patch.status_code == 403
    assert (await client.delete(f"/api/products/{pid}", headers=rival.headers)).status_code == 403
    assert (await client.get(f"/api/products/{pid}")).json()["stock"] == 100


async def test_unknown_ids(client: httpx.AsyncClient) -> None:
    """Unknown or malformed ids are 404 / 422 with JSON errors."""
    shop = await signup(client, "shop", "merchant")
    assert (await client.get("/api/products/999")).status_code == 404
    patch = await client.patch("/api/products/999", json={"stock": 1}, headers=shop.headers)
    assert patch.status_code == 404
    bad = await client.get("/api/products/abc")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"


async def test_oversize_body(client: httpx.AsyncClient) -> None:
    """A body over the request limit is refused with 413 before it is parsed."""
    shop = await signup(client, "shop", "merchant")
    body = {"title": "Tea", "price_cents": 1, "stock": 1, "description": "x" * 200_000}
    response = await client.post("/api/products", json=body, headers=shop.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
