"""A real H.264 publish runs the room's media clock: events carry ``media_t`` while it is
recorded, and the replay places them at that time in the recording."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import m3u8
import pytest
from fastapi import FastAPI

from livecommerce.media.client import MediaSession, whip_publish
from livecommerce.media.recorders import NOT_RECORDABLE
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests.users import Account, product, room, signup

pytestmark = pytest.mark.slow


async def live_show(client: httpx.AsyncClient) -> tuple[Account, int, list[int]]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    ids = [(await product(client, shop, f"Tea {n}"))["id"] for n in range(2)]
    room_id: int = (await room(client, shop, host, ids))["id"]
    started = await client.post(f"/api/rooms/{room_id}/start", headers=host.headers)
    assert started.status_code == 200, started.text
    return host, room_id, ids


async def go_live(client: httpx.AsyncClient, host: Account, room_id: int) -> MediaSession:
    tracks = [PatternVideoTrack(160, 120), ToneAudioTrack()]
    return await whip_publish(
        f"/api/rooms/{room_id}/whip", host.token, tracks, client=client, video_codec="video/H264"
    )


async def first_segment(client: httpx.AsyncClient, room_id: int) -> None:
    async with asyncio.timeout(30):
        while True:
            if (await client.get(f"/media/hls/{room_id}/live.m3u8")).status_code == 200:
                return
            await asyncio.sleep(0.2)


async def deal(client: httpx.AsyncClient, host: Account, room_id: int, product_id: int) -> int:
    body = {"product_id": product_id, "price_cents": 990, "quantity": 5, "per_user_limit": 2,
            "countdown_seconds": 0, "duration_seconds": 300}  # fmt: skip
    made = await client.post(f"/api/rooms/{room_id}/sales", json=body, headers=host.headers)
    assert made.status_code == 201, made.text
    sale_id: int = made.json()["id"]
    async with asyncio.timeout(15):
        while True:
            if (await client.get(f"/api/sales/{sale_id}")).json()["status"] == "live":
                return sale_id
            await asyncio.sleep(0.2)


def dateranges(text: str) -> dict[str, m3u8.model.DateRange]:
    playlist = m3u8.loads(text)
    found = [d for s in playlist.segments for d in s.dateranges]
    return {d.id: d for d in found}


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


async def test_events_during_a_recording_carry_its_media_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A pin made while the show is recorded carries media_t = its wall time minus the
    recording's origin, and the replay's timeline and clip put it there."""
    host, room_id, ids = await live_show(client)
    publisher = await go_live(client, host, room_id)
    try:
        await first_segment(client, room_id)
        await asyncio.sleep(1.0)
        base = f"/api/rooms/{room_id}"
        pinned_at = datetime.now(UTC)
        pin = await client.put(f"{base}/pin", json={"product_id": ids[1]}, headers=host.headers)
        assert pin.status_code == 200, pin.text
        sale_id = await deal(client, host, room_id, ids[0])
        await asyncio.sleep(2.5)
        unpinned_at = datetime.now(UTC)
        assert (await client.delete(f"{base}/pin", headers=host.headers)).status_code == 200
        await asyncio.sleep(1.0)
        await app.state.resources.show_log.flush()
        live = await client.get(f"/media/hls/{room_id}/live.m3u8")
        spans = dateranges(live.text)
        assert spans[f"deal-{sale_id}"].duration is None  # still on sale
        assert any(d.class_ == "com.livecommerce.pin" and d.duration for d in spans.values())
        # Ending the show ends its recording (the host's publish goes with it).
        assert (await client.post(f"{base}/end", headers=host.headers)).status_code == 200
    finally:
        await publisher.pc.close()
    await app.state.resources.show_log.flush()
    body = (await client.get(f"/api/rooms/{room_id}/replay")).json()
    origin = datetime.fromisoformat(body["recording"]["media_origin"])
    [started] = of_type(body["events"], "recording.started")
    assert datetime.fromisoformat(started["data"]["media_origin"]) == origin
    [pin_event] = of_type(body["events"], "product.pinned")
    [unpin_event] = of_type(body["events"], "product.unpinned")
    expected = (pinned_at - origin).total_seconds()
    assert expected > 1.0
    assert abs(pin_event["media_t"] - expected) < 0.5
    assert abs(pin_event["t"] - pin_event["media_t"]) < 0.01
    assert abs(unpin_event["media_t"] - (unpinned_at - origin).total_seconds()) < 0.5
    clip = next(c for c in body["clips"] if c["product_id"] == ids[1])
    assert (clip["start"], clip["end"]) == (pin_event["t"], unpin_event["t"])
    assert clip["end"] < body["recording"]["duration"] + 0.5
    assert of_type(body["events"], "recording.ended")
    # Before the recording began no clock ran: the show's start has no media time.
    [room_started] = of_type(body["events"], "room.started")
    assert room_started.get("media_t") is None
    # The replay playlist marks the pin and the deal, at their media time.
    playlist = await client.get(body["recording"]["url"])
    spans = dateranges(playlist.text)
    first = m3u8.loads(playlist.text).segments[0].current_program_date_time
    pin_span = spans[f"pin-{pin_event['seq']}"]
    start = datetime.fromisoformat(pin_span.start_date.replace("Z", "+00:00"))
    assert abs((start - first).total_seconds() - pin_event["media_t"]) < 0.01
    assert abs(pin_span.duration - (unpin_event["media_t"] - pin_event["media_t"])) < 0.01
    assert pin_span.x_client_attrs == [("x_product_id", f'"{ids[1]}"')]
    deal_span = spans[f"deal-{sale_id}"]
    assert deal_span.class_ == "com.livecommerce.deal" and deal_span.duration is not None


async def test_a_show_marked_not_recordable_records_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The stream is relayed, the status says why it is not recorded, nothing is stored."""
    host, room_id, _ = await live_show(client)
    flag = {"recordable": False}
    marked = await client.put(f"/api/rooms/{room_id}/recordable", json=flag, headers=host.headers)
    assert marked.status_code == 200, marked.text
    publisher = await go_live(client, host, room_id)
    try:
        status = (await client.get(f"/api/rooms/{room_id}/recording")).json()
        assert status["recording"] is False and status["reason"] == NOT_RECORDABLE
        await asyncio.sleep(3.0)
        assert (await client.get(f"/media/hls/{room_id}/live.m3u8")).status_code == 404
    finally:
        await publisher.pc.close()
    blobs = app.state.resources.blobs
    assert await blobs.keys(f"recordings/{room_id}/") == []
