"""Tests for livecommerce.sales.snapshot: snapshot at N + events after N == snapshot now."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.accounts.tokens import Principal
from livecommerce.resources import Resources
from livecommerce.rooms import chat, moderation
from livecommerce.sales.snapshot import room_snapshot
from tests.users import Account, product, room, signup


def apply(snapshot: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The client's reducer: what web/static/js does with each room event."""
    state, data, kind = copy.deepcopy(snapshot), event["data"], event["type"]
    room_state = state["room"]
    if kind == "chat.posted" and all(m["id"] != data["id"] for m in state["chat"]):
        state["chat"] = [*state["chat"], data][-chat.RECENT :]
    elif kind == "chat.deleted":
        state["chat"] = [m for m in state["chat"] if m["id"] != data["id"]]
    elif kind == "product.pinned":
        room_state["pinned_product_id"] = data["product"]["id"]
        room_state["pinned_product"] = data["product"]
    elif kind == "product.unpinned":
        room_state["pinned_product_id"] = room_state["pinned_product"] = None
    elif kind == "room.started":
        room_state["status"], room_state["started_at"] = "live", data["started_at"]
    elif kind == "room.ended":
        room_state["status"], room_state["ended_at"] = "ended", data["ended_at"]
        room_state["pinned_product_id"] = room_state["pinned_product"] = None
    elif kind == "moderation.slow_mode_changed":
        state["slow_mode_seconds"] = data["seconds"]
    state["seq"] = event["seq"]
    return state


async def snapshot(resources: Resources, room_id: int) -> dict[str, Any]:
    seq = await resources.hub.current_seq(room_id)
    async with resources.db.read() as session:
        return await room_snapshot(session, room_id, seq=seq, viewers=0, likes=0,
                                   server_time_ms=0)  # fmt: skip


async def say(resources: Resources, who: Account, room_id: int, body: str) -> int:
    caller = Principal(who.id, who.handle, who.role)
    async with resources.db.unit_of_work() as uow:
        view = await chat.post_message(uow, caller=caller, room_id=room_id, body=body)
    return view.id


async def test_snapshot_plus_events_equals_the_later_snapshot(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Every state change after a snapshot arrives as an event that reproduces it."""
    resources: Resources = app.state.resources
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    fan = await signup(client, "fan", "viewer")
    ids = [(await product(client, shop, f"P{i}"))["id"] for i in range(2)]
    rid = (await room(client, shop, host, ids))["id"]
    host_caller = Principal(host.id, host.handle, host.role)
    first = await say(resources, fan, rid, "first")
    await client.put(f"/api/rooms/{rid}/pin", json={"product_id": ids[0]}, headers=host.headers)
    before = await snapshot(resources, rid)

    assert (await client.post(f"/api/rooms/{rid}/start", headers=host.headers)).is_success
    second = await say(resources, fan, rid, "second")
    await say(resources, host, rid, "third")
    async with resources.db.unit_of_work() as uow:
        await moderation.delete_message(uow, caller=host_caller, room_id=rid, message_id=first)
        await moderation.delete_message(uow, caller=host_caller, room_id=rid, message_id=second)
    await client.put(f"/api/rooms/{rid}/pin", json={"product_id": ids[1]}, headers=host.headers)
    async with resources.db.unit_of_work() as uow:
        await moderation.set_slow_mode(uow, caller=host_caller, room_id=rid, seconds=5)
    async with resources.db.unit_of_work() as uow:
        await moderation.restrict(uow, caller=host_caller, room_id=rid, user=fan.id,
                                  kind="mute", seconds=60)  # fmt: skip
    assert (await client.post(f"/api/rooms/{rid}/end", headers=host.headers)).is_success

    events = await resources.hub.events_since(rid, before["seq"])
    assert events is not None and len(events) == 9
    state = before
    for event in events:
        state = apply(state, event.as_dict())
    assert state == await snapshot(resources, rid)


async def test_snapshot_lists_recent_visible_chat_oldest_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The snapshot carries the latest visible messages, oldest first, at most RECENT."""
    resources: Resources = app.state.resources
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    rid = (await room(client, shop, host, []))["id"]
    for i in range(chat.RECENT + 3):
        await say(resources, host, rid, f"m{i}")
    bodies = [m["body"] for m in (await snapshot(resources, rid))["chat"]]
    assert bodies == [f"m{i}" for i in range(3, chat.RECENT + 3)]
