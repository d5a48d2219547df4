"""Low-latency HLS: the live playlist lists parts a third-party parser reads, a segment is
its parts end to end, and a blocking reload waits for a part yet to come (RFC 8216bis)."""

from __future__ import annotations

import asyncio
import time

import httpx
import m3u8
import pytest

from tests.routes.test_replay_recording import first_segment, go_live, live_show

pytestmark = pytest.mark.slow


async def live(client: httpx.AsyncClient, room_id: int, query: str = "") -> httpx.Response:
    return await client.get(f"/media/hls/{room_id}/live.m3u8{query}")


def parts_of(playlist: m3u8.M3U8) -> list[tuple[int, int, m3u8.model.PartialSegment]]:
    """Every listed part as (segment sequence, index, part); the last run is in progress."""
    found = []
    for offset, segment in enumerate(playlist.segments):
        for index, part in enumerate(segment.parts):
            found.append((playlist.media_sequence + offset, index, part))
    return found


async def test_the_live_playlist_lists_parts_that_make_up_its_segments(
    client: httpx.AsyncClient,
) -> None:
    host, room_id, _ = await live_show(client)
    publisher = await go_live(client, host, room_id)
    try:
        await first_segment(client, room_id)
        answer = await live(client, room_id)
        async with asyncio.timeout(30):
            while answer.text.count("#EXTINF") < 3:
                await asyncio.sleep(0.5)
                answer = await live(client, room_id)
        assert answer.headers["cache-control"] == "public, max-age=1"
        playlist = m3u8.loads(answer.text, uri=str(answer.url))
        control = playlist.server_control
        assert control.can_block_reload == "YES"
        part_target = playlist.part_inf.part_target
        assert 0.2 <= part_target <= 1.0 and control.part_hold_back >= 2 * part_target
        assert playlist.preload_hint.hint_type == "PART"
        complete = [s for s in playlist.segments if s.uri]
        assert complete and all(s.program_date_time for s in complete)
        # A complete segment whose parts are listed is those parts' bytes end to end.
        whole = next(s for s in complete if s.parts)
        assert whole.parts[0].independent == "YES"
        assert all(p.duration <= part_target + 0.001 for p in whole.parts)
        assert abs(sum(p.duration for p in whole.parts) - whole.duration) < 0.01
        joined = b""
        for part in whole.parts:
            got = await client.get(part.absolute_uri)
            assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
            joined += got.content
        assert joined == (await client.get(whole.absolute_uri)).content
        # The segment an LL player is about to play is still listed as parts.
        assert parts_of(playlist)[-1][0] >= playlist.media_sequence + len(complete) - 1
    finally:
        await publisher.pc.close()


async def test_a_blocking_reload_waits_for_the_part_and_refuses_the_far_future(
    client: httpx.AsyncClient,
) -> None:
    host, room_id, _ = await live_show(client)
    publisher = await go_live(client, host, room_id)
    try:
        await first_segment(client, room_id)
        playlist = m3u8.loads((await live(client, room_id)).text)
        sequence, index, _ = parts_of(playlist)[-1]
        wanted = f"?_HLS_msn={sequence}&_HLS_part={index + 1}"
        hint = (await live(client, room_id)).text.rpartition('URI="')[2].split('"')[0]
        began = time.monotonic()
        blocked, hinted = await asyncio.gather(
            live(client, room_id, wanted), client.get(f"/media/hls/{room_id}/{hint}")
        )
        waited = time.monotonic() - began
        assert blocked.status_code == 200 and hinted.status_code in (200, 404)
        assert blocked.headers["cache-control"] == "public, max-age=6"
        assert 0.05 < waited < 3.0  # it waited for the part, not for a timeout
        after = parts_of(m3u8.loads(blocked.text))
        assert any((s, i) >= (sequence, index + 1) for s, i, _ in after)
        # Far ahead, malformed, or a part without its segment: 400 at once, never a wait.
        began = time.monotonic()
        for query in (
            f"?_HLS_msn={sequence + 5}",
            f"?_HLS_msn={sequence}&_HLS_part={index + 20}",
            "?_HLS_msn=next",
            "?_HLS_part=1",
            "?_HLS_msn=-1",
        ):
            refused = await live(client, room_id, query)
            assert refused.status_code == 400, (query, refused.text)
            assert refused.json()["error"]["code"] == "bad_request"
        assert time.monotonic() - began < 1.0
        # A segment already out answers at once.
        began = time.monotonic()
        assert (await live(client, room_id, f"?_HLS_msn={sequence - 1}")).status_code == 200
        assert time.monotonic() - began < 0.5
    finally:
        await publisher.pc.close()
