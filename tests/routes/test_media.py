from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import av
import httpx
import pytest
from fastapi import FastAPI

from livecommerce.app import create_app
from livecommerce.media.client import MediaSession, publish_test_pattern, whep_watch, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from livecommerce.resources import Resources
from livecommerce.rooms.service import load_room
from livecommerce.settings import Settings
from tests.servers import running
from tests.users import Account, room, signup

SDP = {"Content-Type": "application/sdp"}


async def _live_room(client: httpx.AsyncClient) -> tuple[Account, int]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    return host, (await room(client, shop, host, []))["id"]


async def _go_live(client: httpx.AsyncClient, host: Account, rid: int) -> MediaSession:
    tracks = [PatternVideoTrack(160, 120), ToneAudioTrack()]
    return await whip_publish(f"/api/rooms/{rid}/whip", host.token, tracks, client=client)


async def _media_node(app: FastAPI, rid: int) -> str | None:
    resources: Resources = app.state.resources
    async with resources.db.read() as session:
        return (await load_room(session, rid)).media_node


async def _media_metrics(client: httpx.AsyncClient) -> dict[str, float]:
    """The lc_media_* samples of /metrics, by name without the prefix."""
    text = (await client.get("/metrics")).text
    found = {}
    for line in text.splitlines():
        if line.startswith("lc_media_"):
            name, value = line.rsplit(" ", 1)
            name = name.removeprefix("lc_media_").removesuffix("_total")
            found[name.replace('{kind="', "_").rstrip('"}')] = float(value)
    return found


async def test_host_publishes_and_viewers_watch_over_http(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """WHIP and WHEP answer 201 with SDP and Location; the viewer decodes the host's video."""
    host, rid = await _live_room(client)
    publisher = await _go_live(client, host, rid)
    assert publisher.resource_url is not None
    assert f"/api/rooms/{rid}/whip/" in publisher.resource_url
    assert await _media_node(app, rid) == app.state.resources.settings.node_public_url()
    viewer = await whep_watch(f"/api/rooms/{rid}/whep", client=client)
    video = next(t for t in viewer.tracks if t.kind == "video")
    async with asyncio.timeout(30):
        frame = await video.recv()
    assert isinstance(frame, av.VideoFrame)
    assert (frame.width, frame.height) == (160, 120)
    live = await _media_metrics(client)
    assert (live["peers_host"], live["peers_viewer"], live["watches"]) == (1, 1, 1)
    assert live["frames_forwarded"] >= 1 and live["bytes_forwarded"] > 0
    assert viewer.resource_url is not None
    assert (await client.delete(viewer.resource_url)).status_code == 200
    # Read at scrape time, so a viewer who left is not counted any more.
    assert (await _media_metrics(client))["peers_viewer"] == 0
    assert (await client.delete(publisher.resource_url, headers=host.headers)).status_code == 200
    assert await _media_node(app, rid) is None
    gone = await client.post(f"/api/rooms/{rid}/whep", content="v=0\r\n", headers=SDP)
    assert gone.status_code == 404
    await asyncio.gather(viewer.pc.close(), publisher.pc.close())


async def test_whip_is_for_the_rooms_host(client: httpx.AsyncClient) -> None:
    """Anonymous callers get 401 and other users 403; nothing is published."""
    _, rid = await _live_room(client)
    stranger = await signup(client, "bob", "viewer")
    anonymous = await client.post(f"/api/rooms/{rid}/whip", content="v=0\r\n", headers=SDP)
    assert anonymous.status_code == 401
    other = await client.post(
        f"/api/rooms/{rid}/whip", content="v=0\r\n", headers={**SDP, **stranger.headers}
    )
    assert other.status_code == 403


async def test_offers_must_be_sdp(client: httpx.AsyncClient) -> None:
    """A non-SDP content type is 415; an unusable offer is 422 with the error shape."""
    host, rid = await _live_room(client)
    url = f"/api/rooms/{rid}/whip"
    wrong_type = await client.post(url, json={"sdp": "v=0"}, headers=host.headers)
    assert wrong_type.status_code == 415
    bad = await client.post(url, content="hello", headers={**SDP, **host.headers})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"


async def test_second_publish_conflicts(client: httpx.AsyncClient) -> None:
    """While the host is live, another WHIP offer for the room is 409."""
    host, rid = await _live_room(client)
    first = await _go_live(client, host, rid)
    try:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await _go_live(client, host, rid)
        assert refused.value.response.status_code == 409
    finally:
        await first.close()


async def test_whep_without_a_stream_is_not_found(client: httpx.AsyncClient) -> None:
    """Watching a room that is not streaming, or does not exist, is 404."""
    _, rid = await _live_room(client)
    for target in (rid, 999999):
        response = await client.post(f"/api/rooms/{target}/whep", content="v=0\r\n", headers=SDP)
        assert response.status_code == 404


async def test_unsupported_methods_and_discovery(client: httpx.AsyncClient) -> None:
    """PATCH on a session is 405 with Allow (no trickle ICE); OPTIONS (200) advertises SDP."""
    host, rid = await _live_room(client)
    session = await _go_live(client, host, rid)
    try:
        assert session.resource_url is not None
        patched = await client.patch(session.resource_url, content="a=end-of-candidates\r\n")
        assert patched.status_code == 405
        assert "DELETE" in patched.headers["Allow"]
        options = await client.options(f"/api/rooms/{rid}/whep")
        assert options.status_code == 200
        assert options.headers["Accept-Post"] == "application/sdp"
    finally:
        await session.close()


async def test_whep_on_another_node_redirects_there(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """If the room's stream lives on another node, WHEP answers 307 to that node."""
    _, rid = await _live_room(client)
    resources: Resources = app.state.resources
    async with resources.db.unit_of_work() as uow:
        (await load_room(uow.session, rid)).media_node = "http://node-b.internal:8000"
    response = await client.post(f"/api/rooms/{rid}/whep", content="v=0\r\n", headers=SDP)
    assert response.status_code == 307
    assert response.headers["Location"] == f"http://node-b.internal:8000/api/rooms/{rid}/whep"


async def test_stale_media_node_of_this_node_is_cleared(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A room pointing at this node without a stream (say, after a crash) is 404 and cleared."""
    _, rid = await _live_room(client)
    resources: Resources = app.state.resources
    async with resources.db.unit_of_work() as uow:
        (await load_room(uow.session, rid)).media_node = resources.settings.node_public_url()
    response = await client.post(f"/api/rooms/{rid}/whep", content="v=0\r\n", headers=SDP)
    assert response.status_code == 404
    assert await _media_node(app, rid) is None


@pytest.fixture
async def full_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a node that takes no viewers at all."""
    application = create_app(settings.model_copy(update={"media_max_viewers": 0}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_full_node_answers_503_with_retry_after(full_client: httpx.AsyncClient) -> None:
    """Past the viewer cap WHEP is 503 with Retry-After."""
    host, rid = await _live_room(full_client)
    session = await _go_live(full_client, host, rid)
    try:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await whep_watch(f"/api/rooms/{rid}/whep", client=full_client)
        assert refused.value.response.status_code == 503
        assert int(refused.value.response.headers["Retry-After"]) >= 1
    finally:
        await session.close()


@pytest.mark.multinode
async def test_whep_follows_the_stream_to_its_node(
    server_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """Two real nodes: the host publishes on A, a viewer asking B is sent to A and sees video."""
    with running(server_env, tmp_path) as node_a, running(server_env, tmp_path) as node_b:
        async with httpx.AsyncClient(base_url=node_a.url, timeout=30) as a:
            host, rid = await _live_room(a)
            publisher = await publish_test_pattern(
                f"{node_a.url}/api/rooms/{rid}/whip", host.token, width=160, height=120
            )
        try:
            async with httpx.AsyncClient(timeout=30) as b:
                viewer = await whep_watch(f"{node_b.url}/api/rooms/{rid}/whep", client=b)
                assert viewer.resource_url is not None
                assert viewer.resource_url.startswith(f"{node_a.url}/api/rooms/{rid}/whep/")
                video = next(t for t in viewer.tracks if t.kind == "video")
                async with asyncio.timeout(30):
                    frame = await video.recv()
                assert isinstance(frame, av.VideoFrame)
                assert frame.width == 160
                await viewer.close()
        finally:
            await publisher.close()


async def _event_types(app: FastAPI, rid: int) -> list[str]:
    events = await app.state.resources.hub.events_since(rid, 0)
    return [e.type for e in events or []]


# One shape: noticing the hang-up takes ~20 s of ICE consent checks, and the event path
# through both brokers is covered by the hub's own tests.
@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_publish_and_hang_up_are_room_events(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Going live emits stream.started; a host that hangs up without DELETE emits
    stream.ended and frees the room's media node."""
    host, rid = await _live_room(client)
    publisher = await _go_live(client, host, rid)
    assert await _event_types(app, rid) == ["stream.started"]
    await publisher.pc.close()  # no DELETE: the node notices the peer is gone
    async with asyncio.timeout(30):
        while "stream.ended" not in await _event_types(app, rid):  # noqa: ASYNC110 (polls a log)
            await asyncio.sleep(0.1)
    assert await _media_node(app, rid) is None
    assert (await _event_types(app, rid)).count("stream.ended") == 1
