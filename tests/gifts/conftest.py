"""A shop with a gift catalogue, a live room, viewers with wallets and an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.accounts import service as accounts
from livecommerce.resources import Resources
from tests.users import Account, product, room, signup


@dataclass
class Shop:
    client: httpx.AsyncClient
    resources: Resources
    shop: Account
    host: Account
    admin: Account
    room_id: int
    rose: dict[str, Any]  # 1.00
    rocket: dict[str, Any]  # 100.00

    async def viewer(self, handle: str, *, top_up: int = 0) -> Account:
        fan = await signup(self.client, handle, "viewer")
        if top_up:
            r = await self.client.post(
                "/api/me/wallet/top-ups", json={"amount_cents": top_up},
                headers={**fan.headers, "Idempotency-Key": f"top-{handle}"},
            )  # fmt: skip
            assert r.status_code == 201, r.text
        return fan

    async def send(
        self, fan: Account, gift: dict[str, Any], quantity: int = 1, *, key: str = "k1"
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/rooms/{self.room_id}/gift-sends",
            json={"gift_id": gift["id"], "quantity": quantity},
            headers={**fan.headers, "Idempotency-Key": key},
        )

    async def balance(self, fan: Account) -> int:
        r = await self.client.get("/api/me/wallet", headers=fan.headers)
        assert r.status_code == 200, r.text
        value: int = r.json()["balance_cents"]
        return value


async def add_gift(client: httpx.AsyncClient, shop: Account, name: str, price: int) -> Any:
    body = {"name": name, "image_url": "", "price_cents": price}
    r = await client.post("/api/gifts", json=body, headers=shop.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def make_admin(client: httpx.AsyncClient, resources: Resources) -> Account:
    async with resources.db.unit_of_work() as uow:
        user = await accounts.signup(
            uow.session, passwords=resources.passwords, handle="root", password="correct horse",
            display_name="Root", role="admin", allow_admin=True,
        )  # fmt: skip
    r = await client.post("/api/auth/login", json={"handle": "root", "password": "correct horse"})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return Account(user.id, "root", "admin", r.json()["token"])


@pytest.fixture
async def shop(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[Shop]:
    resources: Resources = app.state.resources
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    pid = (await product(client, merchant, "Tea"))["id"]
    rid = (await room(client, merchant, host, [pid]))["id"]
    rose = await add_gift(client, merchant, "Rose", 100)
    rocket = await add_gift(client, merchant, "Rocket", 10_000)
    admin = await make_admin(client, resources)
    yield Shop(client, resources, merchant, host, admin, rid, rose, rocket)
