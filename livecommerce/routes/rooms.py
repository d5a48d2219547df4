"""Rooms API: schedule, list, start, end, pin, moderators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.orders import commands as deals
from livecommerce.orders.summary import show_sold
from livecommerce.rooms import commands, service
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(prefix="/api/rooms", tags=["rooms"])


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = text(max_length=1000)
    host: BodyId | Annotated[str, text(max_length=64)] = Field(
        description="the host's user id or handle"
    )
    scheduled_at: datetime
    product_ids: list[BodyId] = Field(default_factory=list, max_length=1000)
    cover_url: str = text(default="", max_length=2000)


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: BodyId


class ModeratorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: BodyId


@router.post("", status_code=201)
async def schedule(body: RoomIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    room = await commands.schedule_room(resources.db, caller=caller, **body.model_dump())
    return room.as_dict()


@router.get("")
async def list_rooms(
    resources: ResourcesDep,
    status: str | None = Query(default=None, max_length=20),
    limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    async with resources.db.read() as session:
        rooms = await service.list_rooms(session, status=status, limit=limit)
    return {"rooms": [r.as_dict() for r in rooms]}


@router.get("/mine")
async def my_rooms(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Rooms the caller runs: as merchant, or as host."""
    async with resources.db.read() as session:
        as_merchant = await service.list_rooms(session, merchant_id=caller.user_id)
        as_host = await service.list_rooms(session, host_id=caller.user_id)
    rooms = {r.id: r for r in [*as_merchant, *as_host]}
    return {"rooms": [r.as_dict() for r in rooms.values()]}


@router.get("/{room_id}")
async def detail(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        return (await service.room_detail(session, room_id)).as_dict()


@router.get("/{room_id}/sold")
async def sold(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """What the show sold: paid units and orders per product, most sold first."""
    async with resources.db.read() as session:
        await service.load_room(session, room_id)
        lines = await show_sold(session, room_id)
    return {"sold": [line.as_dict() for line in lines]}


@router.post("/{room_id}/start")
async def start(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    room = await commands.start_show(resources.db, caller=caller, room_id=room_id)
    return room.as_dict()


@router.post("/{room_id}/end")
async def end(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """End the show; its flash deals end (or, not yet started, are cancelled) with it."""
    room = await deals.end_show(resources.checkout, caller=caller, room_id=room_id)
    return room.as_dict()


@router.put("/{room_id}/pin")
async def pin(
    room_id: RowId, body: PinIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    room = await commands.pin(
        resources.db, caller=caller, room_id=room_id, product_id=body.product_id
    )
    return room.as_dict()


@router.delete("/{room_id}/pin")
async def unpin(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    room = await commands.pin(resources.db, caller=caller, room_id=room_id, product_id=None)
    return room.as_dict()


@router.post("/{room_id}/moderators", status_code=204)
async def add_moderator(
    room_id: RowId, body: ModeratorIn, caller: CurrentUser, resources: ResourcesDep
) -> None:
    await commands.appoint_moderator(
        resources.db, caller=caller, room_id=room_id, user_id=body.user_id
    )


@router.delete("/{room_id}/moderators/{user_id}", status_code=204)
async def remove_moderator(
    room_id: RowId, user_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> None:
    await commands.dismiss_moderator(resources.db, caller=caller, room_id=room_id, user_id=user_id)
