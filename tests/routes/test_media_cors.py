"""WHIP/WHEP as a client on another site sees them: CORS, discovery, Allow, auth, ICE links."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from livecommerce.app import create_app
from livecommerce.ice_servers import IceServer
from livecommerce.media.client import MediaSession, viewer, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from livecommerce.settings import Settings
from tests.users import Account, room, signup

SDP = {"Content-Type": "application/sdp"}
SITE = "https://player.example"
PREFLIGHT = {
    "Origin": SITE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def _live_room(client: httpx.AsyncClient) -> tuple[Account, int]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    return host, (await room(client, shop, host, []))["id"]


async def _go_live(client: httpx.AsyncClient, host: Account, rid: int) -> MediaSession:
    tracks = [PatternVideoTrack(160, 120), ToneAudioTrack()]
    return await whip_publish(f"/api/rooms/{rid}/whip", host.token, tracks, client=client)


async def _client_for(settings: Settings, **update: object) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings.model_copy(update=update))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
async def listed_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A node that lets one other site's pages publish and watch."""
    async for c in _client_for(settings, media_cors_origins=[SITE]):
        yield c


@pytest.fixture
async def ice_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A node configured with a STUN server and a TURN server with credentials."""
    servers = [
        IceServer.model_validate("stun:127.0.0.1:3478"),
        IceServer.model_validate(
            {"urls": "turn:127.0.0.1:3478?transport=udp", "username": "u", "credential": "p"}
        ),
    ]
    async for c in _client_for(settings, media_ice_servers=servers):
        yield c


@pytest.mark.parametrize("kind", ["whip", "whep"])
async def test_preflight_of_an_endpoint_allows_the_post(
    client: httpx.AsyncClient, kind: str
) -> None:
    """The preflight names the origin, POST and the request headers; Accept-Post says SDP."""
    _, rid = await _live_room(client)
    response = await client.options(f"/api/rooms/{rid}/{kind}", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert response.headers["Accept-Post"] == "application/sdp"
    assert "PATCH" not in response.headers["Allow"]
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_cross_origin_publish_exposes_location_and_can_delete(
    client: httpx.AsyncClient,
) -> None:
    """The 201 exposes Location; the session URL's preflight allows DELETE, and it works."""
    host, rid = await _live_room(client)
    publisher = await _go_live(client, host, rid)
    try:
        assert publisher.resource_url is not None
        preflight = {**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}
        answer = await client.options(publisher.resource_url, headers=preflight)
        assert answer.status_code == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "DELETE" in answer.headers["Access-Control-Allow-Methods"]
        assert "PATCH" not in answer.headers["Access-Control-Allow-Methods"]
        deleted = await client.delete(
            publisher.resource_url,
            headers={"Origin": SITE, "Authorization": f"Bearer {host.token}"},
        )
        assert deleted.status_code == 200
        assert deleted.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        await publisher.close()


async def test_created_answer_exposes_location_to_another_origin(
    client: httpx.AsyncClient,
) -> None:
    """A POST from another origin gets its 201 with Location readable by the page."""
    _, rid = await _live_room(client)
    response = await client.post(
        f"/api/rooms/{rid}/whep", content="v=0\r\n", headers={**SDP, "Origin": SITE}
    )
    assert response.status_code == 404  # not streaming, and still readable cross-origin
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = [h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")]
    assert {"Location", "Link"} <= set(exposed)


async def test_listed_origins_only(listed_client: httpx.AsyncClient) -> None:
    """With a list, a listed origin is echoed (Vary: Origin) and any other gets no CORS."""
    _, rid = await _live_room(listed_client)
    url = f"/api/rooms/{rid}/whip"
    listed = await listed_client.options(url, headers=PREFLIGHT)
    assert listed.headers["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in listed.headers["Vary"]
    other = await listed_client.options(
        url, headers={**PREFLIGHT, "Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]


async def test_other_api_paths_get_no_cors(client: httpx.AsyncClient) -> None:
    """CORS is opened for the media endpoints only, not the rest of the API."""
    response = await client.get("/api/rooms", headers={"Origin": SITE})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("kind", ["whip", "whep"])
async def test_head_and_get_say_post_sdp_here(client: httpx.AsyncClient, kind: str) -> None:
    """HEAD (WHEP draft discovery) and GET answer 200 with Content-Type application/sdp."""
    _, rid = await _live_room(client)
    for method in ("HEAD", "GET"):
        response = await client.request(method, f"/api/rooms/{rid}/{kind}")
        assert response.status_code == 200, method
        assert response.headers["Content-Type"].startswith("application/sdp")
        assert response.content == b""
    missing = await client.head(f"/api/rooms/999999/{kind}")
    assert missing.status_code == 404


async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    """PUT on the endpoint names POST in Allow; PATCH on a session names DELETE, not PATCH."""
    host, rid = await _live_room(client)
    refused = await client.put(f"/api/rooms/{rid}/whip", content="x")
    assert refused.status_code == 405
    assert {"OPTIONS", "GET", "HEAD", "POST"} <= set(refused.headers["Allow"].split(", "))
    publisher = await _go_live(client, host, rid)
    try:
        assert publisher.resource_url is not None
        patched = await client.patch(publisher.resource_url, content="a=end-of-candidates\r\n")
        assert patched.status_code == 405
        assert "DELETE" in patched.headers["Allow"]
        assert "PATCH" not in patched.headers["Allow"]
        assert (await client.head(publisher.resource_url)).status_code == 204
    finally:
        await publisher.close()


async def test_401_names_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    """A WHIP POST without a token is 401 with WWW-Authenticate: Bearer."""
    _, rid = await _live_room(client)
    response = await client.post(f"/api/rooms/{rid}/whip", content="v=0\r\n", headers=SDP)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_ice_servers_are_linked_with_turn_credentials(ice_client: httpx.AsyncClient) -> None:
    """Each configured server is one Link rel=ice-server; TURN carries its credentials."""
    host, rid = await _live_room(ice_client)
    publisher = await _go_live(ice_client, host, rid)
    session = viewer()
    try:
        await session.pc.setLocalDescription(await session.pc.createOffer())
        response = await ice_client.post(
            f"/api/rooms/{rid}/whep", content=session.pc.localDescription.sdp, headers=SDP
        )
        assert response.status_code == 201
        assert response.headers.get_list("Link") == [
            '<stun:127.0.0.1:3478>; rel="ice-server"',
            '<turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="u"; '
            'credential="p"; credential-type="password"',
        ]
        await ice_client.delete(response.headers["Location"])
    finally:
        await session.pc.close()
        await publisher.close()
