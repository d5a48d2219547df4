"""Tests for the gift events on the room socket: every viewer sees a send; a flood folds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from livecommerce.settings import Settings
from tests.gifts.conftest import Shop
from tests.routes._live import Viewer, serve, viewer

Event = dict[str, Any]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A low one-by-one rate and a slow combo tick, so the test can fill one tick.
    return settings.model_copy(
        update={"gift_room_events_per_second": 2, "gift_combo_tick_ms": 1000}
    )


async def test_a_gift_reaches_every_viewer_and_the_host(app: FastAPI, shop: Shop) -> None:
    """gift.sent goes to anonymous viewers, the sender and the host, after the bill."""
    fan = await shop.viewer("fan", top_up=1_000)
    async with (
        serve(app) as base,
        viewer(base, shop.room_id) as anonymous,
        viewer(base, shop.room_id, f"?token={fan.token}") as sender,
        viewer(base, shop.room_id, f"?token={shop.host.token}") as host,
    ):
        for socket in (anonymous, sender, host):
            await socket.next("room.snapshot")
        r = await shop.send(fan, shop.rose, 3)
        assert r.status_code == 201
        for socket in (anonymous, sender, host):
            event = await socket.next("gift.sent")
            assert event["data"]["send_id"] == r.json()["send"]["id"]
            assert event["data"]["quantity"] == 3
            assert event["data"]["sender_name"] == "Fan"
            assert "amount_cents" not in event["data"]  # no spending on the wire


async def _gift_events(socket: Viewer, done: Callable[[list[Event]], bool]) -> list[Event]:
    """Read the socket's frames until ``done`` holds for its gift events (up to 5 s)."""
    found: list[Event] = []
    async with asyncio.timeout(5):
        while not done(found):
            frame = json.loads(await socket.socket.recv())
            for event in frame if isinstance(frame, list) else [frame]:
                if str(event["type"]).startswith("gift."):
                    found.append(event)
    return found


def _units(events: list[Event]) -> int:
    """Gift units the room was shown: one by one, and folded into combos."""
    total = 0
    for event in events:
        data = event["data"]
        if event["type"] == "gift.sent":
            total += data["quantity"]
        elif event["type"] == "gift.combo":
            total += sum(line["count"] for line in data["combos"]) + data["more_count"]
    return total


async def test_a_flood_of_gifts_folds_into_combos_and_drops_none(app: FastAPI, shop: Shop) -> None:
    """Past the room's rate, sends fold into gift.combo with every unit counted; each
    sender still sees each of their own sends at once (gift.sent or gift.receipt)."""
    fans = [await shop.viewer(f"fan{i}", top_up=1_000) for i in range(4)]
    async with (
        serve(app) as base,
        viewer(base, shop.room_id) as watcher,
        viewer(base, shop.room_id, f"?token={fans[3].token}") as last,
    ):
        await watcher.next("room.snapshot")
        await last.next("room.snapshot")
        sends = [shop.send(fan, shop.rose, 2, key=f"{fan.handle}-{n}") for fan in fans
                 for n in range(3)]  # fmt: skip
        answers = await asyncio.gather(*sends)
        assert all(a.status_code == 201 for a in answers)
        seen = await _gift_events(watcher, lambda found: _units(found) >= 24)
        assert _units(seen) == 24
        kinds = {e["type"] for e in seen}
        assert kinds == {"gift.sent", "gift.combo"}
        assert sum(1 for e in seen if e["type"] == "gift.sent") >= 2
        assert "gift.receipt" not in kinds  # private: not for another viewer
        own = {a.json()["send"]["id"] for a in answers[9:]}

        def all_own(found: list[Event]) -> bool:
            return own <= {e["data"].get("send_id") for e in found}

        mine = await _gift_events(last, all_own)
        assert all_own(mine)
