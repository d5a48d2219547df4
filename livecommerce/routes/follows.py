"""Follows API: follow hosts and shops, 预约 upcoming shows, the caller's notifications
(and the badge every open page polls with ETag), and the merchant's webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.follows import commands, following, notifications, webhooks
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["follows"])


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to: int | None = Field(default=None, ge=0)


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = text(max_length=2000)


@router.put("/api/follows/{user_id}", status_code=204)
async def follow(user_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> Response:
    """Follow a host or shop (again: no change)."""
    await commands.follow(resources.follows, caller=caller, followee_id=user_id)
    return Response(status_code=204)


@router.delete("/api/follows/{user_id}", status_code=204)
async def unfollow(user_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> Response:
    await commands.unfollow(resources.follows, caller=caller, followee_id=user_id)
    return Response(status_code=204)


@router.get("/api/follows")
async def followees(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The hosts and shops the caller follows, newest first."""
    async with resources.db.read() as session:
        found = await following.followees(session, caller.user_id)
    return {"following": [f.as_dict() for f in found]}


@router.put("/api/rooms/{room_id}/reminder")
async def remind(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """预约: be notified when the upcoming show is near and when it starts."""
    count = await commands.remind(resources.follows, caller=caller, room_id=room_id)
    return {"reminded": True, "reminders": count}


@router.delete("/api/rooms/{room_id}/reminder")
async def forget(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    count = await commands.forget_reminder(resources.follows, caller=caller, room_id=room_id)
    return {"reminded": False, "reminders": count}


@router.get("/api/notifications")
async def mine(caller: CurrentUser, resources: ResourcesDep, limit: int = 30) -> dict[str, Any]:
    """The caller's latest notifications, newest first, with the badge."""
    async with resources.db.read() as session:
        found = await notifications.latest(session, caller.user_id, limit=max(1, limit))
        badge = await notifications.badge(session, caller.user_id)
    return {"notifications": found, **badge.as_dict()}


@router.get("/api/notifications/badge", responses={304: {"description": "Not modified"}})
async def badge(request: Request, caller: CurrentUser, resources: ResourcesDep) -> Response:
    """The unread count and the newest id; 304 while ``If-None-Match`` still holds."""
    async with resources.db.read() as session:
        found = await notifications.badge(session, caller.user_id)
    headers = {"ETag": found.etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    return Response(content=_json(found.as_dict()), media_type="application/json", headers=headers)


def _json(data: dict[str, int]) -> str:
    return "{" + ",".join(f'"{k}":{v}' for k, v in data.items()) + "}"


@router.post("/api/notifications/read")
async def read(body: ReadIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, int]:
    """Mark the caller's notifications read (up to an id, or all)."""
    marked = await commands.mark_read(resources.follows, caller=caller, up_to=body.up_to)
    return {"marked": marked}


@router.post("/api/webhooks", status_code=201)
async def add_webhook(
    body: WebhookIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Post show reminders to ``url`` (merchant); the answer shows the signing secret once."""
    made = await commands.add_webhook(resources.follows, caller=caller, url=body.url)
    return made.as_dict()


@router.get("/api/webhooks")
async def list_webhooks(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        found = await webhooks.endpoints(session, caller=caller)
    return {"webhooks": [w.as_dict() for w in found]}


@router.delete("/api/webhooks/{endpoint_id}", status_code=204)
async def remove_webhook(
    endpoint_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> Response:
    await commands.remove_webhook(resources.follows, caller=caller, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.get("/api/webhooks/{endpoint_id}/deliveries")
async def deliveries(
    endpoint_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The endpoint's latest deliveries: status, attempts, last error."""
    async with resources.db.read() as session:
        found = await webhooks.deliveries(session, caller=caller, endpoint_id=endpoint_id)
    return {"deliveries": found}
