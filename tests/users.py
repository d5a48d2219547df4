"""Small helpers to make users, products and rooms through the real API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Account:
    id: int
    handle: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def signup(client: httpx.AsyncClient, handle: str, role: str = "viewer") -> Account:
    response = await client.post(
        "/api/auth/signup",
        json={
            "handle": handle,
            "password": "correct horse",
            "display_name": handle.title(),
            "role": role,
        },
    )
    assert response.status_code == 201, response.text
    # API clients authenticate with the bearer token; a leftover cookie would make
    # later anonymous requests look logged in.
    client.cookies.clear()
    body = response.json()
    return Account(body["user"]["id"], handle, role, body["token"])


async def product(
    client: httpx.AsyncClient, merchant: Account, title: str = "Green tea", **extra: Any
) -> dict[str, Any]:
    payload = {"title": title, "price_cents": 1999, "stock": 100, **extra}
    response = await client.post("/api/products", json=payload, headers=merchant.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def room(
    client: httpx.AsyncClient,
    merchant: Account,
    host: Account,
    product_ids: list[int],
    *,
    scheduled_at: str = "2030-01-01T12:00:00Z",
) -> dict[str, Any]:
    payload = {
        "title": "Evening show",
        "host": host.handle,
        "scheduled_at": scheduled_at,
        "product_ids": product_ids,
    }
    response = await client.post("/api/rooms", json=payload, headers=merchant.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


ADDRESS = {"name": "Li Lei", "phone": "13812345678", "region": "Shanghai", "detail": "1 Nanjing Rd"}


async def address(client: httpx.AsyncClient, buyer: Account, **fields: Any) -> dict[str, Any]:
    """Add an address to the buyer's book (the first one becomes the default)."""
    payload = {**ADDRESS, **fields}
    response = await client.post("/api/me/addresses", json=payload, headers=buyer.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
