"""The transactional outbox: a commerce event committed by a node that dies before
publishing it still reaches viewers, with its seq, once any node relays it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import connect

from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import EventOutbox
from tests.servers import start_server

pytestmark = pytest.mark.multinode


async def signup(client: httpx.AsyncClient, handle: str, role: str) -> dict[str, str]:
    body = {"handle": handle, "password": "pw-123456", "display_name": handle, "role": role}
    token = (await client.post("/api/auth/signup", json=body)).json()["token"]
    return {"Authorization": f"Bearer {token}"}


async def show(client: httpx.AsyncClient) -> tuple[dict[str, str], int, int]:
    """A merchant's room with one shelf product; the merchant's headers, ids."""
    shop = await signup(client, "shop", "merchant")
    await signup(client, "anna", "host")
    product = {"title": "Tea", "price_cents": 1999, "stock": 50}
    pid = (await client.post("/api/products", json=product, headers=shop)).json()["id"]
    room = {"title": "Show", "host": "anna", "scheduled_at": "2030-01-01T00:00:00Z",
            "product_ids": [pid]}  # fmt: skip
    rid = (await client.post("/api/rooms", json=room, headers=shop)).json()["id"]
    return shop, rid, pid


async def outbox_rows(url: str) -> int:
    db = Database(url)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(EventOutbox)) or 0)
    finally:
        await db.dispose()


def events_of(raw: str | bytes) -> list[dict[str, Any]]:
    frame = json.loads(raw)
    return frame if isinstance(frame, list) else [frame]


async def first_event(ws_url: str, type: str) -> dict[str, Any]:
    """The first ``type`` event a viewer joining now gets: live, or by replay from 0 if
    it was published before the viewer's snapshot."""
    async with connect(ws_url) as socket:
        (snapshot,) = events_of(await socket.recv())
        if snapshot["seq"] == 0:
            while True:
                for event in events_of(await socket.recv()):
                    if event["type"] == type:
                        return event
    async with connect(f"{ws_url}?since=0") as socket:
        return next(e for e in events_of(await socket.recv()) if e["type"] == type)


async def test_an_event_committed_by_a_node_that_died_is_relayed(
    settings: Settings, server_env: dict[str, str], tmp_path: Path
) -> None:
    """Kill the node between commit and publish: the deal exists, its sale.scheduled is in
    the outbox, and a restarted node publishes it with a seq."""
    dying = start_server({**server_env, "LIVECOMMERCE_TEST_CRASH_AFTER_COMMIT": "sale.scheduled"},
                         tmp_path)  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=dying.url, timeout=10) as client:
            shop, rid, pid = await show(client)
            deal = {"product_id": pid, "price_cents": 990, "quantity": 5, "per_user_limit": 1,
                    "countdown_seconds": 600, "duration_seconds": 300}  # fmt: skip
            with pytest.raises(httpx.TransportError):  # the node died before answering
                await client.post(f"/api/rooms/{rid}/sales", json=deal, headers=shop)
        assert dying.process.wait(timeout=10) == 70
    finally:
        dying.stop()
    assert await outbox_rows(settings.database_url) == 1
    revived = start_server(server_env, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=revived.url, timeout=10) as client:
            sales = (await client.get(f"/api/rooms/{rid}/sales")).json()["sales"]
        assert [s["status"] for s in sales] == ["scheduled"]  # the commit stood
        ws_url = revived.url.replace("http://", "ws://") + f"/ws/rooms/{rid}"
        async with asyncio.timeout(20):  # the writer's lease, then one relay pass
            scheduled = await first_event(ws_url, "sale.scheduled")
        assert scheduled["seq"] == 1
        assert scheduled["data"]["sale"]["id"] == sales[0]["id"]
        await asyncio.sleep(0.5)  # the relay forgets the row after publishing it
        assert await outbox_rows(settings.database_url) == 0
    finally:
        revived.stop()
