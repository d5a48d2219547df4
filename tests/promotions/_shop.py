"""A shop with a live show and a coupon template, made through the real API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.users import Account, product, room, signup


@dataclass
class Show:
    shop: Account
    host: Account
    room_id: int
    tea: int  # 1999 cents
    cups: int  # 500 cents


async def live_show(client: httpx.AsyncClient) -> Show:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    tea = (await product(client, shop, "Tea", stock=50))["id"]
    cups = (await product(client, shop, "Cups", price_cents=500, stock=50))["id"]
    rid = (await room(client, shop, host, [tea, cups]))["id"]
    started = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    assert started.status_code == 200, started.text
    return Show(shop, host, rid, tea, cups)


async def template(client: httpx.AsyncClient, who: Account, **terms: Any) -> httpx.Response:
    body = {"title": "5 off", "kind": "fixed", "amount_off_cents": 500, **terms}
    return await client.post("/api/coupons/templates", json=body, headers=who.headers)


async def dropped(client: httpx.AsyncClient, show: Show, **terms: Any) -> dict[str, Any]:
    """A template of the shop's, dropped by the host: the drop's data."""
    made = await template(client, show.shop, **terms)
    assert made.status_code == 201, made.text
    body = {"template_id": made.json()["id"]}
    answer = await client.post(
        f"/api/rooms/{show.room_id}/coupons", json=body, headers=show.host.headers
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def claim(
    client: httpx.AsyncClient, who: Account, drop_id: int, key: str = "k"
) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": key}
    return await client.post(f"/api/coupons/drops/{drop_id}/claims", headers=headers)


async def buy(
    client: httpx.AsyncClient, who: Account, show: Show, pid: int, key: str, **body: Any
) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": key}
    url = f"/api/rooms/{show.room_id}/products/{pid}/orders"
    return await client.post(url, json={"quantity": 1, **body}, headers=headers)
