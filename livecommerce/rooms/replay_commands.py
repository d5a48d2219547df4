"""Use cases of replays: publish, unpublish and delete one, mark a show (not)
recordable, the media clock around a recording, and the retention loop."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.loops import pass_failed, pause
from livecommerce.rooms import replays
from livecommerce.rooms.replays import RemoveMedia
from livecommerce.storage.db import Database
from livecommerce.storage.models import utcnow

log = logging.getLogger(__name__)

RETENTION_INTERVAL = 3600.0


async def set_replay(db: Database, *, caller: Principal, room_id: int, state: str) -> str:
    async with db.unit_of_work() as uow:
        room = await replays.set_replay(uow, caller=caller, room_id=room_id, state=state)
        return room.replay


async def delete_replay(
    db: Database, *, caller: Principal, room_id: int, remove_media: RemoveMedia
) -> None:
    async with db.unit_of_work() as uow:
        await replays.delete_replay(uow, caller=caller, room_id=room_id, remove_media=remove_media)


async def set_recordable(
    db: Database, *, caller: Principal, room_id: int, recordable: bool
) -> dict[str, Any]:
    async with db.unit_of_work() as uow:
        room = await replays.set_recordable(
            uow, caller=caller, room_id=room_id, recordable=recordable
        )
        return {"room_id": room.id, "recordable": room.recordable}


async def media_clock_started(
    db: Database, *, room_id: int, recording_id: str, media_origin: datetime
) -> None:
    async with db.unit_of_work() as uow:
        replays.start_media_clock(
            uow, room_id=room_id, recording_id=recording_id, media_origin=media_origin
        )


async def media_clock_stopped(db: Database, *, room_id: int, recording_id: str) -> None:
    async with db.unit_of_work() as uow:
        replays.stop_media_clock(uow, room_id=room_id, recording_id=recording_id)


async def purge_expired(
    db: Database, *, days: int, remove_media: RemoveMedia, now: datetime | None = None
) -> list[int]:
    """Delete the replays of shows that ended more than ``days`` ago; return their rooms."""
    async with db.read() as session:
        rooms = await replays.expired_replays(session, now=now or utcnow(), days=days)
    for room_id in rooms:
        async with db.unit_of_work() as uow:
            await replays.delete_replay(
                uow, caller=None, room_id=room_id, remove_media=remove_media
            )
    return rooms


async def retention_forever(
    db: Database, *, days: int, remove_media: RemoveMedia, interval: float = RETENTION_INTERVAL
) -> None:
    """The supervised cleanup loop: recordings older than the retention setting go."""
    while True:
        try:
            purged = await purge_expired(db, days=days, remove_media=remove_media)
            if purged:
                log.info("replays past retention deleted", extra={"rooms": purged})
        except Exception as exc:
            pass_failed(log, "recording retention pass failed", exc)
        await pause(interval)
