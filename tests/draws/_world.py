"""A live room with a shelf product, viewers on sockets, and a movable draw clock."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.draws.desk import DrawDesk
from tests.routes._live import Viewer, serve, viewer
from tests.users import Account, product, room, signup

FLUSH = 0.6
"""Long enough for the desk's flush (0.25 s) to carry entries and socket closes."""


@dataclass
class World:
    client: httpx.AsyncClient
    desk: DrawDesk
    base: str
    shop: Account
    host: Account
    room_id: int
    product_id: int
    offset: float = 0.0
    sockets: dict[str, Viewer] = field(default_factory=dict)

    def advance(self, seconds: float) -> None:
        """Move the draws' clock (only theirs) forward."""
        self.offset += seconds
        self.desk.clock = lambda: time.time() + self.offset

    async def start(self, **terms: Any) -> httpx.Response:
        body = {"product_id": self.product_id, "winners": 1, "duration_seconds": 30,
                "condition": "keyword", "keyword": "抽我", **terms}  # fmt: skip
        return await self.client.post(
            f"/api/rooms/{self.room_id}/draws", json=body, headers=self.host.headers
        )

    async def stock(self) -> int:
        found = (await self.client.get(f"/api/products/{self.product_id}")).json()
        return int(found["stock"])

    async def close(self, watcher: Viewer) -> dict[str, Any]:
        """Let the open draw's time run out; its close comes as ``draw.closed``."""
        self.advance(31)
        async with asyncio.timeout(10):
            return await watcher.next("draw.closed")


async def make_world(app: FastAPI, client: httpx.AsyncClient, stack: AsyncExitStack, *,
                     price_cents: int = 1999) -> World:  # fmt: skip
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    pid = (await product(client, shop, "Tea", stock=10, price_cents=price_cents))["id"]
    rid = (await room(client, shop, host, [pid]))["id"]
    started = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    assert started.status_code == 200, started.text
    base = await stack.enter_async_context(serve(app))
    desk = app.state.resources.draws
    return World(client, desk, base, shop, host, rid, pid)


async def join(world: World, stack: AsyncExitStack, who: Account | None) -> Viewer:
    query = f"?token={who.token}" if who else ""
    socket = await stack.enter_async_context(viewer(world.base, world.room_id, query))
    await socket.next("room.snapshot")
    return socket


async def world_with_fans(
    app: FastAPI, client: httpx.AsyncClient, stack: AsyncExitStack, names: list[str]
) -> tuple[World, dict[str, Account], dict[str, Viewer]]:
    world = await make_world(app, client, stack)
    fans = {n: await signup(client, n) for n in names}
    sockets = {n: await join(world, stack, a) for n, a in fans.items()}
    return world, fans, sockets


async def knows_the_draw(world: World) -> None:
    """Wait until the desk has learned the room's open draw."""
    async with asyncio.timeout(5):
        while world.desk.open_draw(world.room_id) is None:  # noqa: ASYNC110 - a plain dict
            await asyncio.sleep(0.05)
