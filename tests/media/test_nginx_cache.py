"""A real nginx cache in front of a real node: segments are served from the cache after
the first viewer, and the live playlist is cached but refreshes within its max-age."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import m3u8
import pytest

from livecommerce.loadtest.media import _setup_room
from livecommerce.media.client import MediaSession, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests.media.nginx import Nginx, config, require_nginx, running_nginx
from tests.servers import Server, free_port, start_server

# A real node (with the embedded shape's settings) behind a real nginx.
real_node = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

LIVE_MAX_AGE = 1.0  # the node's Cache-Control on the live playlist


@pytest.fixture
def node(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    env = {**server_env, "LIVECOMMERCE_MEDIA_RECORDING": "true"}
    server = start_server(env, tmp_path, timeout=90)  # the box may be busy with other tests
    yield server
    server.stop()


@pytest.fixture
def cache(node: Server, tmp_path: Path) -> Iterator[Nginx]:
    binary = require_nginx()
    upstream = node.url.removeprefix("http://")
    with running_nginx(binary, upstream, free_port(), tmp_path / "nginx") as nginx:
        yield nginx


@pytest.fixture
async def show(node: Server) -> AsyncIterator[int]:
    """A room whose host publishes H.264 (so it is recorded and on HLS)."""
    room_id, token = await _setup_room(node.url)
    client = httpx.AsyncClient(timeout=30.0)
    tracks = [PatternVideoTrack(160, 120), ToneAudioTrack()]
    whip = f"{node.url}/api/rooms/{room_id}/whip"
    host: MediaSession = await whip_publish(
        whip, token, tracks, client=client, video_codec="video/H264"
    )
    host.owns_client = True
    try:
        yield room_id
    finally:
        await host.close()


async def segments_of(client: httpx.AsyncClient, url: str, at_least: int = 1) -> list[str]:
    """The segment URIs of the live playlist at ``url``, once it lists ``at_least``."""
    async with asyncio.timeout(40):
        while True:
            answer = await client.get(url)
            if answer.status_code == 200:
                # The in-progress segment's parts parse as a segment without a URI.
                uris = [s.uri for s in m3u8.loads(answer.text).segments if s.uri]
                if len(uris) >= at_least:
                    return uris
            await asyncio.sleep(0.2)


async def listed(client: httpx.AsyncClient, url: str, check: Callable[[list[str]], bool]) -> str:
    """The newest segment URI of the live playlist at ``url`` once ``check`` holds."""
    async with asyncio.timeout(20):
        while not check(uris := await segments_of(client, url)):  # noqa: ASYNC110 - polls HTTP
            await asyncio.sleep(0.05)
    return uris[-1]


@pytest.mark.slow
@real_node
async def test_a_segment_is_served_from_the_cache_the_second_time(
    cache: Nginx, node: Server, show: int
) -> None:
    """The first viewer of a segment misses and the second hits: the node sees it once."""
    live = f"{cache.url}/media/hls/{show}/live.m3u8"
    async with httpx.AsyncClient(timeout=10.0) as client:
        [uri, *_] = await segments_of(client, live)
        segment = httpx.URL(live).join(uri)
        first, second = await client.get(segment), await client.get(segment)
        direct = await client.get(str(segment).replace(cache.url, node.url))
    assert first.status_code == second.status_code == 200
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert second.content == first.content == direct.content
    assert "immutable" in second.headers["cache-control"]
    assert [s for u, _, s in cache.access_log() if u == segment.path] == ["MISS", "HIT"]


@pytest.mark.slow
@real_node
async def test_the_live_playlist_is_cached_and_refreshes_within_its_max_age(
    cache: Nginx, node: Server, show: int
) -> None:
    """Within a second nginx answers the playlist from its cache; a segment the node adds
    shows through nginx no later than the playlist's max-age (plus a fetch) after."""
    path = f"/media/hls/{show}/live.m3u8"
    async with httpx.AsyncClient(timeout=10.0) as client:
        await segments_of(client, f"{cache.url}{path}")
        first, second = await client.get(f"{cache.url}{path}"), await client.get(cache.url + path)
        assert "HIT" in (first.headers["x-cache-status"], second.headers["x-cache-status"])
        assert first.headers["cache-control"] == f"public, max-age={LIVE_MAX_AGE:.0f}"
        [*_, known] = await segments_of(client, f"{node.url}{path}")
        newest = await listed(client, f"{node.url}{path}", lambda uris: uris[-1] != known)
        appeared = time.monotonic()
        await listed(client, f"{cache.url}{path}", lambda uris: newest in uris)
        late = time.monotonic() - appeared
    assert late <= LIVE_MAX_AGE + 0.5
    statuses = {s for u, _, s in cache.access_log() if u == path}
    assert "HIT" in statuses or "UPDATING" in statuses


def test_the_readme_shows_the_config_these_tests_run() -> None:
    """The README's sample nginx config is the one the cache tests start."""
    readme = Path(__file__).parents[2].joinpath("README.md").read_text()
    sample = config("127.0.0.1:8001", "8080", Path("/var/cache/nginx/hls"))
    assert f"```nginx\n{sample}```" in readme
