"""Replays of ended shows: the media clock, the timeline rebuilt from the show log,
explain clips (讲解片段), the playlist's dateranges, and the replay's state.

A replay is ``published`` (anyone may watch it once the show ended), ``unpublished``
(only the room's host and merchant) or ``deleted`` (its recording removed from storage;
for good).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound
from livecommerce.rooms import events
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room, require_manager, runs_room
from livecommerce.rooms.views import RoomView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Room, ShowEvent, User
from livecommerce.storage.show_log import show_events

RemoveMedia = Callable[[int], Awaitable[int]]
"""Delete every stored recording of a room; returns how many files went."""


class ReplayState(StrEnum):
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    DELETED = "deleted"


# The types that open and close a deal's span on the timeline.
DEAL_OPEN = "sale.started"
DEAL_CLOSE = ("sale.ended", "sale.sold_out", "sale.cancelled")
PIN, UNPIN = events.ProductPinned.type, events.ProductUnpinned.type


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# --- the media clock -----------------------------------------------------------------
def start_media_clock(
    uow: UnitOfWork, *, room_id: int, recording_id: str, media_origin: datetime
) -> None:
    """The stream is recorded from ``media_origin`` on: events carry media_t from now."""
    uow.emit(room_id, events.RecordingStarted(
        recording_id=recording_id, media_origin=media_origin.isoformat()
    ))  # fmt: skip


def stop_media_clock(uow: UnitOfWork, *, room_id: int, recording_id: str) -> None:
    uow.emit(room_id, events.RecordingEnded(recording_id=recording_id))


# --- the timeline ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Clip:
    """A pin-to-unpin span: the host explaining one product."""

    product_id: int
    title: str
    start: float
    end: float | None  # None: still pinned when the log ends

    def as_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "title": self.title,
                "start": self.start, "end": self.end}  # fmt: skip


def envelopes(rows: Sequence[ShowEvent], origin: datetime) -> list[dict[str, Any]]:
    """Every event with ``t``: its position in the recording that starts at ``origin``
    (before it: 0, the state the video opens on)."""
    zero = origin.timestamp()
    out = []
    for row in rows:
        envelope = json.loads(row.envelope)
        envelope["t"] = round(max(0.0, epoch(row.at) - zero), 3)
        out.append(envelope)
    return out


def clips(timeline: Sequence[dict[str, Any]]) -> list[Clip]:
    found: list[Clip] = []
    open_: dict[str, Any] | None = None
    for event in timeline:
        if event["type"] in (PIN, UNPIN, events.RoomEnded.type) and open_ is not None:
            product = open_["data"]["product"]
            found.append(Clip(product["id"], product.get("title", ""), open_["t"], event["t"]))
            open_ = None
        if event["type"] == PIN and event["data"].get("product"):
            open_ = event
    if open_ is not None:
        product = open_["data"]["product"]
        found.append(Clip(product["id"], product.get("title", ""), open_["t"], None))
    return found


async def timeline(session: AsyncSession, room_id: int, origin: datetime) -> list[dict[str, Any]]:
    return envelopes(await show_events(session, room_id), origin)


def dateranges_of(rows: Sequence[ShowEvent]) -> list[str]:
    """EXT-X-DATERANGE lines for the show's pins and deals (RFC 8216 4.4.5.1)."""
    spans: list[tuple[str, str, str, str | None, str]] = []  # id, class, start, end, attrs
    pin: tuple[ShowEvent, int] | None = None
    deals: dict[int, ShowEvent] = {}
    for row in rows:
        data = json.loads(row.envelope).get("data", {})
        if row.type in (PIN, UNPIN, events.RoomEnded.type) and pin is not None:
            spans.append(
                (f"pin-{pin[0].seq}", "pin", pin[0].at, row.at, f'X-PRODUCT-ID="{pin[1]}"')
            )
            pin = None
        if row.type == PIN and isinstance(data.get("product"), dict):
            pin = (row, int(data["product"]["id"]))
        sale_id = _sale_id(data)
        if row.type == DEAL_OPEN and sale_id is not None:
            deals[sale_id] = row
        elif row.type in DEAL_CLOSE and sale_id in deals:
            start = deals.pop(sale_id)
            spans.append((f"deal-{sale_id}", "deal", start.at, row.at, f'X-SALE-ID="{sale_id}"'))
    if pin is not None:
        spans.append((f"pin-{pin[0].seq}", "pin", pin[0].at, None, f'X-PRODUCT-ID="{pin[1]}"'))
    for sale_id, start in deals.items():
        spans.append((f"deal-{sale_id}", "deal", start.at, None, f'X-SALE-ID="{sale_id}"'))
    return [_daterange(*span) for span in sorted(spans, key=lambda s: epoch(s[2]))]


def _sale_id(data: dict[str, Any]) -> int | None:
    sale = data.get("sale") if isinstance(data.get("sale"), dict) else data
    value = sale.get("id", sale.get("sale_id")) if isinstance(sale, dict) else None
    return value if isinstance(value, int) else None


def _daterange(id_: str, kind: str, start: str, end: str | None, attrs: str) -> str:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    line = f'#EXT-X-DATERANGE:ID="{id_}",CLASS="com.livecommerce.{kind}",START-DATE="{_iso(begin)}"'
    if end is not None:
        line += f",DURATION={max(0.0, epoch(end) - begin.timestamp()):.3f}"
    return f"{line},{attrs}"


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def dateranges(session: AsyncSession, room_id: int) -> list[str]:
    """The EXT-X-DATERANGE lines of a room's pins and deals, for its playlists."""
    return dateranges_of(await show_events(session, room_id))


# --- the replay's state ----------------------------------------------------------------
async def watchable(session: AsyncSession, room_id: int, caller: Principal | None) -> Room:
    """The room, if ``caller`` may watch its replay; NotFound otherwise."""
    room = await load_room(session, room_id)
    owner = caller is not None and runs_room(room, caller.user_id, caller.role)
    state = ReplayState(room.replay)
    if room.status != RoomStatus.ENDED or state is ReplayState.DELETED or not room.recordable:
        raise NotFound(f"room {room_id} has no replay")
    if state is ReplayState.UNPUBLISHED and not owner:
        raise NotFound(f"room {room_id} has no replay")
    return room


async def set_replay(uow: UnitOfWork, *, caller: Principal, room_id: int, state: str) -> Room:
    """Publish or unpublish a replay (the merchant, the host, admins)."""
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    if state not in (ReplayState.PUBLISHED, ReplayState.UNPUBLISHED):
        raise InvalidInput("state must be published or unpublished")
    if room.replay == ReplayState.DELETED:
        raise NotFound(f"room {room_id} has no replay")
    room.replay = state
    return room


async def delete_replay(
    uow: UnitOfWork, *, caller: Principal | None, room_id: int, remove_media: RemoveMedia
) -> None:
    """Delete a replay for good: its recording's files go once this commits.
    ``caller`` None is the retention loop."""
    room = await load_room(uow.session, room_id)
    if caller is not None:
        await require_manager(uow.session, room, caller)
    room.replay = ReplayState.DELETED

    async def remove() -> None:
        await remove_media(room_id)

    uow.after_commit(remove)


async def set_recordable(
    uow: UnitOfWork, *, caller: Principal, room_id: int, recordable: bool
) -> Room:
    """The host marks a show (not) to be recorded; a recording already made stays."""
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    room.recordable = recordable
    return room


async def expired_replays(session: AsyncSession, *, now: datetime, days: int) -> list[int]:
    """Rooms whose show ended more than ``days`` ago and whose replay is not deleted."""
    cutoff = now - timedelta(days=days)
    rows = await session.scalars(
        select(Room.id)
        .where(
            Room.status == RoomStatus.ENDED.value,
            Room.ended_at < cutoff,
            Room.replay != ReplayState.DELETED.value,
        )
        .order_by(Room.id)
        .limit(100)
    )
    return list(rows)


async def list_replays(
    session: AsyncSession, *, host_id: int | None = None, limit: int = 24
) -> list[RoomView]:
    """Ended shows whose replay anyone may watch, the latest first."""
    query = (
        select(Room, User)
        .join(User, User.id == Room.host_id)
        .where(
            Room.status == RoomStatus.ENDED.value,
            Room.replay == ReplayState.PUBLISHED.value,
            Room.recordable.is_(True),
        )
    )
    if host_id is not None:
        query = query.where(Room.host_id == host_id)
    rows = await session.execute(query.order_by(Room.ended_at.desc(), Room.id.desc()).limit(limit))
    return [RoomView.of(room, host) for room, host in rows]
