"""HLS egress: the live playlist of a room and its recordings' segments, CDN-cacheable.

Segments and parts never change once written, so they are immutable for a year; the
live playlist changes every part, so caches keep it a second. A blocking reload
(``?_HLS_msn=&_HLS_part=``, LL-HLS) answers once that part is out, and every later
answer to the same URL holds it too, so caches keep those longer and collapse the
viewers asking for the same part into one request. Any CDN or nginx cache in front of
the nodes can serve the 1,000th viewer without the node seeing them. The playlists mark
the show's pins and deals as EXT-X-DATERANGE spans (from the show log).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from livecommerce.errors import NotFound, Unavailable
from livecommerce.media import hls
from livecommerce.media.partials import TooFarAhead
from livecommerce.media.recording import CONTENT_TYPES, recording_prefix
from livecommerce.resources import Resources
from livecommerce.rooms.service import load_room
from livecommerce.routes._fields import RowId
from livecommerce.routes.deps import ResourcesDep
from livecommerce.routes.errors import error_response

router = APIRouter(tags=["media"])

IMMUTABLE = "public, max-age=31536000, immutable"
LIVE = "public, max-age=1"
BLOCKED = "public, max-age=6"  # a blocking reload's answer: any later one holds its part too
_PART = re.compile(r"part_(\d{5})_(\d{1,3})\.m4s")
_DIRECTIVE = re.compile(r"\d{1,9}")
_RECORDING_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
_FILE = re.compile(r"init\.mp4|seg_\d{5}\.m4s|index\.m3u8|master\.m3u8")
_M3U8: dict[int | str, dict[str, Any]] = {
    200: {"content": {CONTENT_TYPES[".m3u8"]: {}}, "description": "an HLS media playlist"}
}


@router.get("/media/hls/{room_id}/live.m3u8", responses=_M3U8)
async def live_playlist(room_id: RowId, request: Request, resources: ResourcesDep) -> Response:
    """The room's live HLS playlist (the last few segments and, for LL-HLS players, their
    parts), or 307 to the node holding it.

    ``_HLS_msn`` (and ``_HLS_part``) make it a blocking reload: the answer waits until
    that segment (part) is out, 503 ``unavailable`` if it is not within three target
    durations, 400 ``bad_request`` for a value that is not a number or is further ahead
    than RFC 8216bis lets a client ask. 404 ``not_found`` while the room is not streaming
    or its stream is not recorded (``GET /api/rooms/{room_id}/recording`` says why).
    """
    recorder = resources.media.live_recorder(room_id)
    if recorder is None:
        holder = await _other_holder(resources, room_id)
        if holder is not None:
            url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{holder}{url}", status_code=307)
        raise NotFound("the room has no live HLS stream")
    try:
        msn, part = _directives(request)
        if msn is not None:
            async with asyncio.timeout(3 * resources.settings.media_segment_seconds):
                await recorder.edge.wait_for(msn, part)
    except (ValueError, TooFarAhead) as exc:
        return error_response(request, 400, "bad_request", str(exc))
    except TimeoutError:
        raise Unavailable("the requested part did not come in time", retry_after=1.0) from None
    text = await _with_dateranges(resources, room_id, recorder.playlist(live=True))
    return _media(text.encode(), ".m3u8", LIVE if msn is None else BLOCKED)


@router.get("/media/hls/{room_id}/master.m3u8", responses=_M3U8)
async def live_master(room_id: RowId, request: Request, resources: ResourcesDep) -> Response:
    """The live stream's multivariant playlist: ``live.m3u8`` with its CODECS."""
    recorder = resources.media.live_recorder(room_id)
    if recorder is None:
        holder = await _other_holder(resources, room_id)
        if holder is not None:
            return RedirectResponse(f"{holder}{request.url.path}", status_code=307)
        raise NotFound("the room has no live HLS stream")
    return _media(recorder.master("live.m3u8").encode(), ".m3u8", LIVE)


@router.get("/media/hls/{room_id}/parts/{recording_id}/{name}")
async def live_part(
    room_id: RowId, recording_id: str, name: str, resources: ResourcesDep
) -> Response:
    """One LL-HLS part of the live stream; the next one (the playlist's preload hint)
    is answered once it is out. 404 once it has left the live window."""
    match = _PART.fullmatch(name)
    recorder = resources.media.live_recorder(room_id)
    if match is None or recorder is None or recorder.recording_id != recording_id:
        raise NotFound("no such part")
    sequence, index = int(match[1]), int(match[2])
    # The preload hint names the part to come; one further ahead is answered at once.
    with contextlib.suppress(TooFarAhead, TimeoutError):
        async with asyncio.timeout(3 * recorder.edge.part_target):
            await recorder.edge.wait_for(sequence, index)
    found = recorder.edge.part(sequence, index)
    if found is None:
        raise NotFound("no such part")
    return _media(found.data, ".m4s", IMMUTABLE)


@router.get("/media/recordings/{room_id}/{recording_id}/{name}")
async def recording_file(
    room_id: RowId, recording_id: str, name: str, resources: ResourcesDep
) -> Response:
    """A recording's playlist (``index.m3u8``; ``master.m3u8`` names it with its CODECS),
    init segment or media segment."""
    if not _RECORDING_ID.fullmatch(recording_id) or not _FILE.fullmatch(name):
        raise NotFound("no such recording file")
    if resources.blobs is None:
        raise NotFound("recording is off on this node")
    data = await resources.blobs.get(recording_prefix(room_id, recording_id) + name)
    if data is None:
        raise NotFound("no such recording file")
    suffix = "." + name.rpartition(".")[2]
    if suffix != ".m3u8":
        return _media(data, suffix, IMMUTABLE)
    ended = b"#EXT-X-ENDLIST" in data
    text = await _with_dateranges(resources, room_id, data.decode())
    return _media(text.encode(), suffix, "public, max-age=3600" if ended else "public, max-age=2")


@router.get("/api/rooms/{room_id}/recording")
async def recording_status(room_id: RowId, request: Request, resources: ResourcesDep) -> Any:
    """Whether the room's live stream is being recorded (and so on HLS), or why not:
    ``codec_not_h264`` (the host sends VP8), ``no_video``, ``recording_disabled``,
    ``not_recordable`` (the host marked the show not to be recorded)."""
    status = resources.media.recording_status(room_id)
    if status is None:
        holder = await _other_holder(resources, room_id)
        if holder is not None:
            return RedirectResponse(f"{holder}{request.url.path}", status_code=307)
        return _no_store({"recording": False, "reason": "not_streaming", "recording_id": None})
    return _no_store(
        {
            "recording": status.recording_id is not None,
            "reason": status.reason,
            "recording_id": status.recording_id,
            "live_url": f"/media/hls/{room_id}/live.m3u8" if status.recording_id else None,
        }
    )


def _directives(request: Request) -> tuple[int | None, int | None]:
    """``_HLS_msn`` and ``_HLS_part``; ValueError for a bad value or a part alone."""
    values = [request.query_params.get(name) for name in ("_HLS_msn", "_HLS_part")]
    if any(v is not None and not _DIRECTIVE.fullmatch(v) for v in values):
        raise ValueError("_HLS_msn and _HLS_part must be non-negative integers")
    msn, part = (None if v is None else int(v) for v in values)
    if msn is None and part is not None:
        raise ValueError("_HLS_part needs _HLS_msn")
    return msn, part


async def _other_holder(resources: Resources, room_id: int) -> str | None:
    async with resources.db.read() as session:
        holder = (await load_room(session, room_id)).media_node
    own = resources.settings.node_public_url()
    return (
        holder if holder and holder != own and not resources.media.is_publishing(room_id) else None
    )


async def _with_dateranges(resources: Resources, room_id: int, text: str) -> str:
    """The playlist with the show's pins and deals as EXT-X-DATERANGE spans."""
    return hls.with_dateranges(text, await resources.spans.get(room_id))


def _media(data: bytes, suffix: str, cache: str) -> Response:
    headers = {"Cache-Control": cache, "Access-Control-Allow-Origin": "*"}
    return Response(data, media_type=CONTENT_TYPES[suffix], headers=headers)


def _no_store(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
