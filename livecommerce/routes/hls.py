"""HLS egress: the live playlist of a room and its recordings' segments, CDN-cacheable.

Segments never change once written, so they are immutable for a year; the live playlist
changes every segment, so caches keep it a second. Any CDN or nginx cache in front of
the nodes can serve the 1,000th viewer without the node seeing them. Both playlists
mark the show's pins and deals as EXT-X-DATERANGE spans (from the show log).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from livecommerce.errors import NotFound
from livecommerce.media import hls
from livecommerce.media.recording import CONTENT_TYPES, recording_prefix
from livecommerce.resources import Resources
from livecommerce.rooms import replays
from livecommerce.rooms.service import load_room
from livecommerce.routes._fields import RowId
from livecommerce.routes.deps import ResourcesDep

router = APIRouter(tags=["media"])

IMMUTABLE = "public, max-age=31536000, immutable"
LIVE = "public, max-age=1"
_RECORDING_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
_FILE = re.compile(r"init\.mp4|seg_\d{5}\.m4s|index\.m3u8|master\.m3u8")
_M3U8: dict[int | str, dict[str, Any]] = {
    200: {"content": {CONTENT_TYPES[".m3u8"]: {}}, "description": "an HLS media playlist"}
}


@router.get("/media/hls/{room_id}/live.m3u8", responses=_M3U8)
async def live_playlist(room_id: RowId, request: Request, resources: ResourcesDep) -> Response:
    """The room's live HLS playlist (the last few segments), or 307 to the node holding it.

    404 ``not_found`` while the room is not streaming or its stream is not recorded
    (``GET /api/rooms/{room_id}/recording`` says why).
    """
    text = resources.media.live_playlist(room_id)
    if text is None:
        holder = await _other_holder(resources, room_id)
        if holder is not None:
            return RedirectResponse(f"{holder}{request.url.path}", status_code=307)
        raise NotFound("the room has no live HLS stream")
    text = await _with_dateranges(resources, room_id, text)
    return _media(text.encode(), ".m3u8", LIVE)


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


async def _other_holder(resources: Resources, room_id: int) -> str | None:
    async with resources.db.read() as session:
        holder = (await load_room(session, room_id)).media_node
    own = resources.settings.node_public_url()
    return (
        holder if holder and holder != own and not resources.media.is_publishing(room_id) else None
    )


async def _with_dateranges(resources: Resources, room_id: int, text: str) -> str:
    """The playlist with the show's pins and deals as EXT-X-DATERANGE spans."""
    async with resources.db.read() as session:
        lines = await replays.dateranges(session, room_id)
    return hls.with_dateranges(text, lines)


def _media(data: bytes, suffix: str, cache: str) -> Response:
    headers = {"Cache-Control": cache, "Access-Control-Allow-Origin": "*"}
    return Response(data, media_type=CONTENT_TYPES[suffix], headers=headers)


def _no_store(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
