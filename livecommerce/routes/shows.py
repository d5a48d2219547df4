"""Shows after scheduling: edit, change the shelf, upload a cover, read the order numbers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from livecommerce.errors import NotFound
from livecommerce.orders.room_numbers import room_order_numbers
from livecommerce.resources import Resources
from livecommerce.rooms import commands
from livecommerce.rooms.cover import MAX_COVER_BYTES
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.sales import commands as shelves
from livecommerce.storage.files import FileStore

router = APIRouter(tags=["rooms"])
COVERS = "/covers"
# The cover upload is the one body past the general request limit.
UPLOAD_LIMITS = {r"/api/rooms/[0-9]+/cover": MAX_COVER_BYTES + 1024}


class RoomPatch(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, text(max_length=1000)] | SkipJsonSchema[None] = None
    scheduled_at: datetime | SkipJsonSchema[None] = None
    cover_url: Annotated[str, text(max_length=2000)] | SkipJsonSchema[None] = None


class ShelfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[BodyId] = Field(max_length=1000)


def covers(resources: Resources) -> FileStore:
    return FileStore(Path(resources.settings.data_dir) / "covers")


@router.patch("/api/rooms/{room_id}")
async def edit(
    room_id: RowId, body: RoomPatch, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    room = await commands.edit_room(resources.db, caller=caller, room_id=room_id, changes=changes)
    return room.as_dict()


@router.put("/api/rooms/{room_id}/shelf")
async def shelf(
    room_id: RowId, body: ShelfIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Replace the shelf; viewers see ``shelf.changed`` at once."""
    products = await shelves.change_shelf(
        resources.db, caller=caller, room_id=room_id, product_ids=body.product_ids
    )
    return {"shelf": [p.as_dict() for p in products]}


@router.put(
    "/api/rooms/{room_id}/cover",
    openapi_extra={
        "requestBody": {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}
    },
)
async def upload_cover(
    room_id: RowId, request: Request, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The image is the raw body (PNG, JPEG or WebP, at most 2 MiB)."""
    room = await commands.set_cover(
        resources.db, covers(resources), caller=caller, room_id=room_id,
        body=await request.body(), content_type=request.headers.get("content-type", ""),
        url_prefix=COVERS,
    )  # fmt: skip
    return room.as_dict()


@router.get(f"{COVERS}/{{name}}", include_in_schema=False)
async def cover_file(name: str, resources: ResourcesDep) -> FileResponse:
    found = covers(resources).path(name)
    if found is None:
        raise NotFound("no such cover")
    # Names are content hashes: a file never changes under its URL.
    return FileResponse(found, headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/api/rooms/{room_id}/numbers")
async def numbers(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The studio's counter of valid orders (placed, not cancelled or expired) and paid ones."""
    async with resources.db.read() as session:
        await require_manager(session, await load_room(session, room_id), caller, moderators=True)
        return (await room_order_numbers(session, room_id)).as_dict()
