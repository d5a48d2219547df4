"""A shop, its host, an upcoming show and some viewers, made through the real API."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.users import Account, product, room, signup


@dataclass
class Scene:
    shop: Account
    host: Account
    room_id: int


async def upcoming_show(
    client: httpx.AsyncClient, *, shop: str = "shop", host: str = "anna",
    scheduled_at: str = "2030-01-01T12:00:00Z", title: str = "Evening show",
) -> Scene:  # fmt: skip
    merchant = await signup(client, shop, "merchant")
    presenter = await signup(client, host, "host")
    tea = (await product(client, merchant, "Tea"))["id"]
    made = await room(client, merchant, presenter, [tea], scheduled_at=scheduled_at)
    if title != "Evening show":
        await client.patch(
            f"/api/rooms/{made['id']}", json={"title": title}, headers=merchant.headers
        )
    return Scene(merchant, presenter, made["id"])


async def remind(client: httpx.AsyncClient, who: Account, room_id: int) -> httpx.Response:
    return await client.put(f"/api/rooms/{room_id}/reminder", headers=who.headers)


async def start(client: httpx.AsyncClient, scene: Scene) -> None:
    started = await client.post(f"/api/rooms/{scene.room_id}/start", headers=scene.host.headers)
    assert started.status_code == 200, started.text
