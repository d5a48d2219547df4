"""Replays API: an ended show's recording and its timeline; publish, unpublish, delete;
the recordable flag; the list of replays."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from livecommerce.media.recording import RecordingInfo, list_recordings, recording_prefix
from livecommerce.resources import Resources
from livecommerce.rooms import replay_commands as commands
from livecommerce.rooms import replays, service
from livecommerce.routes._fields import RowId
from livecommerce.routes.deps import CurrentUser, OptionalUser, ResourcesDep

router = APIRouter(tags=["replays"])


class ReplayStateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str


class RecordableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recordable: bool


async def recording_of(resources: Resources, room_id: int) -> RecordingInfo | None:
    """The room's main recording (its longest), from the stored manifests."""
    blobs = resources.blobs
    if blobs is None:
        return None
    found = await list_recordings(blobs, room_id)
    return max(found, key=lambda r: r.duration, default=None)


def recording_dict(info: RecordingInfo) -> dict[str, Any]:
    return {
        "recording_id": info.recording_id,
        "url": f"/media/{recording_prefix(info.room_id, info.recording_id)}index.m3u8",
        "media_origin": info.media_origin.isoformat(),
        "duration": info.duration,
    }


async def replay_data(resources: Resources, room_id: int, caller: Any) -> dict[str, Any]:
    """What the replay page needs: the room, the recording, the timeline, the clips."""
    async with resources.db.read() as session:
        room = await replays.watchable(session, room_id, caller)
        detail = (await service.room_detail(session, room_id)).as_dict()
        info = await recording_of(resources, room_id)
        origin = info.media_origin if info is not None else room.started_at or room.scheduled_at
        timeline = await replays.timeline(session, room_id, origin)
    return {
        "room": {**detail, "replay": room.replay},
        "recording": recording_dict(info) if info is not None else None,
        "events": timeline,
        "clips": [clip.as_dict() for clip in replays.clips(timeline)],
    }


@router.get("/api/rooms/{room_id}/replay")
async def get_replay(
    room_id: RowId, caller: OptionalUser, resources: ResourcesDep
) -> dict[str, Any]:
    """An ended show's replay: the recording's HLS URL, every event with ``t`` (seconds
    into the recording), and the explain clips (pin-to-unpin spans)."""
    return await replay_data(resources, room_id, caller)


@router.put("/api/rooms/{room_id}/replay")
async def set_replay(
    room_id: RowId, body: ReplayStateIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Publish or unpublish the replay (``{"state": "published" | "unpublished"}``)."""
    state = await commands.set_replay(
        resources.db, caller=caller, room_id=room_id, state=body.state
    )
    return {"room_id": room_id, "replay": state}


@router.delete("/api/rooms/{room_id}/replay", status_code=204)
async def delete_replay(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> None:
    """Delete the replay for good; its recording's segments leave storage."""
    await commands.delete_replay(
        resources.db, caller=caller, room_id=room_id, remove_media=resources.remove_recordings
    )


@router.put("/api/rooms/{room_id}/recordable")
async def set_recordable(
    room_id: RowId, body: RecordableIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The host marks the show (not) to be recorded: no recording, no replay."""
    return await commands.set_recordable(
        resources.db, caller=caller, room_id=room_id, recordable=body.recordable
    )


@router.get("/api/replays")
async def list_replays(
    resources: ResourcesDep,
    host_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
    limit: int = Query(default=24, ge=1, le=100),
) -> dict[str, Any]:
    async with resources.db.read() as session:
        rooms = await replays.list_replays(session, host_id=host_id, limit=limit)
    return {"replays": [r.as_dict() for r in rooms]}
