import asyncio

import av
import httpx
import pytest

from livecommerce.errors import DomainError
from livecommerce.media.client import publish_test_pattern, whep_watch
from livecommerce.media.relay import RelayNode

ROOM = 3


def whip_whep_app(node: RelayNode, seen: list[httpx.Request]) -> httpx.MockTransport:
    """A stand-in WHIP/WHEP server in front of the node, speaking just enough HTTP."""

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "DELETE":
            resource_id = request.url.path.rsplit("/", 1)[1]
            if request.url.path.startswith("/whip/"):
                await node.unpublish(resource_id)
            else:
                await node.leave(resource_id)
            return httpx.Response(200)
        kind = request.url.path.strip("/")
        call = node.publish if kind == "whip" else node.watch
        try:
            resource_id, answer = await call(ROOM, request.content.decode())
        except DomainError as exc:
            return httpx.Response(400, text=exc.message)
        headers = {"Location": f"/{kind}/{resource_id}", "Content-Type": "application/sdp"}
        return httpx.Response(201, text=answer, headers=headers)

    return httpx.MockTransport(handle)


async def test_test_pattern_publishes_over_whip_and_plays_over_whep() -> None:
    """The demo's publisher goes live over WHIP; a WHEP viewer decodes it; close DELETEs both."""
    node = RelayNode()
    seen: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=whip_whep_app(node, seen), base_url="http://node")
    try:
        host = await publish_test_pattern("http://node/whip", "tok", client=http, width=320)
        assert seen[0].headers["Authorization"] == "Bearer tok"
        assert seen[0].headers["Content-Type"] == "application/sdp"
        assert node.is_publishing(ROOM)
        watcher = await whep_watch("http://node/whep", client=http)
        video = next(t for t in watcher.tracks if t.kind == "video")
        async with asyncio.timeout(30):
            frame = await video.recv()
        assert isinstance(frame, av.VideoFrame)
        assert (frame.width, frame.height) == (320, 360)
        await watcher.close()
        assert node.stats().viewers == 0
        await host.close()
        assert [r.method for r in seen] == ["POST", "POST", "DELETE", "DELETE"]
        assert not node.is_publishing(ROOM)
    finally:
        await http.aclose()
        await node.close()


async def test_refused_publish_raises_and_closes() -> None:
    """A WHIP error status surfaces as an HTTP error from the client."""
    node = RelayNode()
    seen: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=whip_whep_app(node, seen), base_url="http://node")
    try:
        with pytest.raises(httpx.HTTPStatusError):
            await whep_watch("http://node/whep", client=http)  # nothing published yet
    finally:
        await http.aclose()
        await node.close()
