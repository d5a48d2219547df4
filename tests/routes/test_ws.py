"""Tests for livecommerce.routes.ws: the room WebSocket over a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from websockets.exceptions import InvalidStatus

from livecommerce.app import create_app
from livecommerce.heap import HeapSteward
from livecommerce.settings import Settings
from tests.routes._live import serve, viewer
from tests.users import Account, product, room, signup


@dataclass
class World:
    base: str
    shop: Account
    host: Account
    fan: Account
    room_id: int
    product_ids: list[int]


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[World]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    fan = await signup(client, "fan", "viewer")
    ids = [(await product(client, shop, f"P{i}"))["id"] for i in range(2)]
    rid = (await room(client, shop, host, ids))["id"]
    async with serve(app) as base:
        yield World(base, shop, host, fan, rid, ids)


async def test_anonymous_join_gets_a_snapshot(world: World) -> None:
    """A first join, without a token, gets room.snapshot with room, shelf and seq."""
    async with viewer(world.base, world.room_id) as v:
        snapshot = await v.next("room.snapshot")
    data = snapshot["data"]
    assert data["room"]["status"] == "scheduled"
    assert [p["id"] for p in data["room"]["shelf"]] == world.product_ids
    assert data["seq"] == snapshot["seq"] == 0
    assert data["chat"] == [] and data["sales"] == []
    assert isinstance(data["server_time"], int)


async def test_chat_reaches_every_viewer(world: World) -> None:
    """A logged-in viewer's message is stored and reaches everyone as chat.posted."""
    async with (
        viewer(world.base, world.room_id) as watcher,
        viewer(world.base, world.room_id, f"?token={world.fan.token}") as fan,
    ):
        await watcher.next("room.snapshot")
        await fan.next("room.snapshot")
        await fan.send("chat.send", {"body": "  你好 hello  "}, ref="m1")
        accepted = await fan.next("chat.accepted")
        posted = await watcher.next("chat.posted")
    assert accepted["data"]["ref"] == "m1"
    assert posted["data"]["body"] == "你好 hello"
    assert posted["data"]["user"]["handle"] == "fan"
    assert posted["seq"] == 1
    assert accepted["data"]["message"]["id"] == posted["data"]["id"]


async def test_anonymous_viewer_cannot_chat_but_stays(world: World) -> None:
    """Chat without a token is an error event; the socket keeps working."""
    async with viewer(world.base, world.room_id) as v:
        await v.send("chat.send", {"body": "hi"})
        error = await v.next("error")
        await v.send("time.sync", {"client_time": 1234.5})
        synced = await v.next("time.synced")
    assert error["data"]["code"] == "not_authenticated"
    assert synced["data"]["client_time"] == 1234.5
    assert isinstance(synced["data"]["server_time"], int)


async def test_bad_messages_get_error_events(world: World) -> None:
    """Invalid JSON, unknown types and bad fields answer with errors, not a crash."""
    async with viewer(world.base, world.room_id, f"?token={world.fan.token}") as v:
        await v.socket.send("{not json")
        assert (await v.next("error"))["data"]["code"] == "invalid_message"
        await v.send("teleport", {})
        assert (await v.next("error"))["data"]["code"] == "unknown_type"
        await v.send("like.send", {"count": 10_000})
        assert (await v.next("error"))["data"]["code"] == "invalid_input"
        await v.send("chat.send", {"body": "x" * 500})
        assert (await v.next("error"))["data"]["code"] == "invalid_input"
        await v.send("time.sync", {"client_time": 1})
        await v.next("time.synced")


async def test_oversize_frame_closes_with_1009(world: World) -> None:
    """A frame over the limit closes that socket with 1009; others are untouched."""
    async with viewer(world.base, world.room_id) as other, viewer(world.base, world.room_id) as v:
        await v.socket.send("x" * 10_000)
        assert await v.closed_with() == 1009
        await other.send("time.sync", {"client_time": 1})
        await other.next("time.synced")


async def test_flood_closes_with_4429(world: World) -> None:
    """A client that keeps sending past the message rate is closed with 4429."""
    async with viewer(world.base, world.room_id) as v:
        for _ in range(200):
            await v.send("time.sync", {"client_time": 1})
        assert (await v.next("error"))["data"]["code"] == "rate_limited"
        assert await v.closed_with() == 4429


async def test_foreign_origin_is_refused(world: World) -> None:
    """A browser page from another site cannot open the socket."""
    with pytest.raises(InvalidStatus) as refused:
        async with viewer(world.base, world.room_id, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_bad_token_is_refused_with_4401(world: World) -> None:
    """An explicit invalid ?token= gets an error and close code 4401."""
    async with viewer(world.base, world.room_id, "?token=nope") as v:
        assert (await v.next("error"))["data"]["code"] == "not_authenticated"
        assert await v.closed_with() == 4401


async def test_a_revoked_token_is_refused_with_4401(
    world: World, client: httpx.AsyncClient
) -> None:
    """A token logged out is refused on the room socket too, like on the API."""
    out = await client.post("/api/auth/logout", headers=world.fan.headers)
    assert out.status_code == 204
    async with viewer(world.base, world.room_id, f"?token={world.fan.token}") as v:
        assert (await v.next("error"))["data"]["code"] == "not_authenticated"
        assert await v.closed_with() == 4401


async def test_an_id_beyond_int32_closes_with_4404(world: World) -> None:
    """A room id no row can have is an unknown room, on PostgreSQL too (not 1013)."""
    async with viewer(world.base, 99_999_999_999) as v:
        assert await v.closed_with() == 4404


async def test_unknown_room_closes_with_4404(world: World) -> None:
    """Joining a room that does not exist closes with 4404."""
    async with viewer(world.base, 999_999) as v:
        assert await v.closed_with() == 4404


async def test_resume_replays_missed_events(world: World, client: httpx.AsyncClient) -> None:
    """Reconnecting with ?since=N replays the events after N instead of a snapshot."""
    rid = world.room_id
    for pid in world.product_ids:
        response = await client.put(f"/api/rooms/{rid}/pin", json={"product_id": pid},
                                    headers=world.host.headers)  # fmt: skip
        assert response.status_code == 200
    async with viewer(world.base, rid, "?since=1") as v:
        pinned = await v.next("product.pinned")
        assert not [e for e in v.seen if e["type"] == "room.snapshot"]
    assert (pinned["seq"], pinned["data"]["product"]["id"]) == (2, world.product_ids[1])


async def test_likes_are_counted_not_echoed(world: World, app: FastAPI) -> None:
    """Likes add up into one likes.count event per counter tick."""
    async with viewer(world.base, world.room_id, f"?token={world.fan.token}") as v:
        await v.next("room.snapshot")
        for _ in range(3):
            await v.send("like.send", {"count": 4})
        await v.send("time.sync", {"client_time": 1})
        await v.next("time.synced")  # the likes before it were handled
        await app.state.resources.hub.sync_counters()
        # The node's own 1 s tick may have counted first (0, or some of the sends):
        # counts only ever grow by whole sends until they reach all 12.
        counts = [(await v.next("likes.count"))["data"]["count"]]
        while counts[-1] != 12:
            counts.append((await v.next("likes.count"))["data"]["count"])
    assert counts == sorted(counts) and set(counts) <= {0, 4, 8, 12}
    assert not [e for e in v.seen if e["type"].startswith("like.")]


async def test_moderation_over_the_socket(world: World) -> None:
    """The host mutes a viewer from the socket: everyone sees it, the viewer's chat is
    refused, and a viewer's own moderation attempt is refused."""
    host_query, fan_query = f"?token={world.host.token}", f"?token={world.fan.token}"
    async with (
        viewer(world.base, world.room_id, host_query) as host,
        viewer(world.base, world.room_id, fan_query) as fan,
    ):
        await fan.send("moderation.slow_mode", {"seconds": 5})
        assert (await fan.next("error"))["data"]["code"] == "forbidden"
        await host.send("moderation.mute", {"user": "fan", "seconds": 300}, ref=7)
        assert (await host.next("ack"))["data"]["ref"] == 7
        muted = await fan.next("moderation.muted")
        await fan.send("chat.send", {"body": "let me talk"})
        refused = await fan.next("error")
    assert muted["data"]["user"]["handle"] == "fan"
    assert refused["data"]["code"] == "muted"
    assert refused["data"]["until"] is not None  # pages format it for their reader


async def test_chat_rate_limit_gives_retry_after(world: World) -> None:
    """Past the per-user chat rate, chat.send answers rate_limited with retry_after."""
    async with viewer(world.base, world.room_id, f"?token={world.fan.token}") as fan:
        for i in range(6):
            await fan.send("chat.send", {"body": f"m{i}"})
        error = await fan.next("error")
    assert error["data"]["code"] == "rate_limited"
    assert error["data"]["retry_after"] >= 1


async def test_banned_viewer_cannot_join(world: World) -> None:
    """A banned user's join is refused with 4403."""
    async with viewer(world.base, world.room_id, f"?token={world.host.token}") as host:
        await host.send("moderation.ban", {"user": world.fan.id})
        await host.next("ack")
    async with viewer(world.base, world.room_id, f"?token={world.fan.token}") as fan:
        assert (await fan.next("error"))["data"]["code"] == "forbidden"
        assert await fan.closed_with() == 4403


@pytest.mark.parametrize("shape", ["scaled", "cluster"], indirect=True)
async def test_chat_crosses_nodes(world: World, settings: Settings) -> None:
    """Two nodes sharing Redis: a message sent on one reaches a viewer on the other."""
    other = create_app(settings.model_copy(update={"node_id": "second-node"}))
    async with (
        other.router.lifespan_context(other),
        serve(other) as second,
        viewer(world.base, world.room_id) as watcher,
        viewer(second, world.room_id, f"?token={world.fan.token}") as fan,
    ):
        await watcher.next("room.snapshot")
        await fan.next("room.snapshot")
        await fan.send("chat.send", {"body": "from node two"})
        posted = await watcher.next("chat.posted")
    assert posted["data"]["body"] == "from node two"


async def test_ban_closes_the_banned_viewers_socket(world: World) -> None:
    """A viewer banned while watching gets moderation.banned, then a 4403 close."""
    async with (
        viewer(world.base, world.room_id, f"?token={world.host.token}") as host,
        viewer(world.base, world.room_id, f"?token={world.fan.token}") as fan,
    ):
        await fan.next("room.snapshot")
        await host.send("moderation.ban", {"user": "fan", "seconds": 600})
        banned = await fan.next("moderation.banned")
        assert await fan.closed_with() == 4403
    assert banned["data"]["user"]["id"] == world.fan.id


async def test_heap_steward_counts_room_sockets(app: FastAPI, world: World) -> None:
    """With a heap steward (``livecommerce serve``), a joined socket is noted open, then
    closed."""
    heap = HeapSteward()  # not installed: counting needs no gc
    app.state.resources.heap = heap
    async with viewer(world.base, world.room_id) as v:
        await v.next("room.snapshot")
        assert heap.open_sockets == 1
    async with asyncio.timeout(5):
        while heap.closed_since_reclaim == 0:  # noqa: ASYNC110 - the steward exposes counts only
            await asyncio.sleep(0.01)
    assert heap.open_sockets == 0


async def test_a_new_moderator_sees_all_chat_without_rejoining(
    settings: Settings, world: World
) -> None:
    """Made a moderator while watching, the fan's open socket is told and from then on
    gets every chat message, while a plain viewer still gets the sample (one a second)."""
    # Same deployment as the fixture's app; only the hub's sampling rate is lowered.
    app = create_app(settings.model_copy(update={"viewer_chat_rate": 1}))
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with (
        app.router.lifespan_context(app),
        api,
        serve(app) as base,
        viewer(base, world.room_id, f"?token={world.host.token}") as host,
        viewer(base, world.room_id, f"?token={world.fan.token}") as fan,
        viewer(base, world.room_id) as bystander,
    ):
        await bystander.next("room.snapshot")
        await fan.next("room.snapshot")
        added = await api.post(
            f"/api/rooms/{world.room_id}/moderators",
            json={"user_id": world.fan.id},
            headers=world.host.headers,
        )
        assert added.status_code == 204
        await fan.next("moderation.moderator_added")
        for i in range(4):
            await host.send("chat.send", {"body": f"m{i}"})
        await host.send("moderation.slow_mode", {"seconds": 0})  # a marker after them
        for watcher in (fan, bystander):
            await watcher.next("moderation.slow_mode_changed")
    fan_chats = [e["data"]["body"] for e in fan.seen if e["type"] == "chat.posted"]
    bystander_chats = [e for e in bystander.seen if e["type"] == "chat.posted"]
    assert fan_chats == ["m0", "m1", "m2", "m3"]
    assert 1 <= len(bystander_chats) < 4


async def test_origin_is_compared_by_scheme_host_and_port(world: World) -> None:
    """Only the server's own origin opens a socket: the same host under https:// or on
    another port is another origin."""
    own = world.base.replace("ws://", "http://")
    async with viewer(world.base, world.room_id, origin=own) as v:
        await v.next("room.snapshot")
    port = int(own.rsplit(":", 1)[1])
    for foreign in (own.replace("http://", "https://"), f"http://127.0.0.1:{port + 1}", "null"):
        with pytest.raises(InvalidStatus) as refused:
            async with viewer(world.base, world.room_id, origin=foreign):
                pass
        assert refused.value.response.status_code == 403, foreign


@pytest.mark.parametrize("since", ["²", "١٢", "12a", "-1"])
async def test_since_takes_ascii_digits_only(world: World, since: str) -> None:
    """A since that is not ASCII digits (superscripts, Arabic-Indic digits) is refused
    with invalid_input and 4400, not read as a number nor failed with 1013."""
    async with viewer(world.base, world.room_id, f"?since={quote(since)}") as v:
        error = await v.next("error")
        assert await v.closed_with() == 4400
    assert error["data"]["code"] == "invalid_input"


@asynccontextmanager
async def _limited_node(settings: Settings, **limits: int) -> AsyncIterator[str]:
    """The fixture's deployment served by another app with lower socket limits."""
    app = create_app(settings.model_copy(update=limits))
    async with app.router.lifespan_context(app), serve(app) as base:
        yield base


async def test_sockets_per_address_are_limited(settings: Settings, world: World) -> None:
    """Past LIVECOMMERCE_WS_PER_ADDRESS open sockets from one address the next gets a
    rate_limited error and 4429; a closed socket frees its place."""
    async with _limited_node(settings, ws_per_address=3) as base, AsyncExitStack() as stack:
        held = [await stack.enter_async_context(viewer(base, world.room_id)) for _ in range(3)]
        for v in held:
            await v.next("room.snapshot")
        async with viewer(base, world.room_id) as extra:
            error = await extra.next("error")
            assert await extra.closed_with() == 4429
        assert error["data"]["code"] == "rate_limited"
        await held[0].socket.close()
        await _eventually_joins(base, world.room_id)


async def test_sockets_per_user_are_limited(settings: Settings, world: World) -> None:
    """A logged-in user gets LIVECOMMERCE_WS_PER_USER sockets; another user from the
    same address still gets in."""
    fan, host = f"?token={world.fan.token}", f"?token={world.host.token}"
    async with _limited_node(settings, ws_per_user=2) as base, AsyncExitStack() as stack:
        for _ in range(2):
            v = await stack.enter_async_context(viewer(base, world.room_id, fan))
            await v.next("room.snapshot")
        async with viewer(base, world.room_id, fan) as extra:
            assert (await extra.next("error"))["data"]["code"] == "rate_limited"
            assert await extra.closed_with() == 4429
        async with viewer(base, world.room_id, host) as other:
            await other.next("room.snapshot")


async def _eventually_joins(base: str, room_id: int) -> None:
    """The server counts a socket closed once its handler ends: retry briefly."""
    async with asyncio.timeout(5):
        while True:
            async with viewer(base, room_id) as v:
                frame = json.loads(await v.socket.recv())
                event = frame[0] if isinstance(frame, list) else frame
                if event["type"] == "room.snapshot":
                    return
            await asyncio.sleep(0.05)
