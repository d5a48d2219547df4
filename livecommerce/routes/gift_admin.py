"""The platform's gift controls (admins only): reverse a send, flag a minor, mute a host."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict

from livecommerce.gifts import commands
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(prefix="/api/admin", tags=["gifts"])


class MinorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minor: bool


class MuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime
    reason: str = text(max_length=200, default="")


@router.post("/gift-sends/{send_id}/reverse")
async def reverse(send_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Take a gift back within its settlement delay: the sender is repaid, the host's
    payable and the platform's fee give theirs back (compensating postings)."""
    send = await commands.reverse_send(resources.gifts, caller=caller, send_id=send_id)
    return {"send": send.as_dict()}


@router.put("/users/{user_id}/minor")
async def set_minor(
    user_id: RowId, body: MinorIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Flag (or unflag) an account as a minor's: a minor cannot send gifts or top up."""
    await commands.set_minor(resources.gifts, caller=caller, user_id=user_id, minor=body.minor)
    return {"user": user_id, "minor": body.minor}


@router.put("/hosts/{host_id}/gift-mute")
async def mute(
    host_id: RowId, body: MuteIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Stop a host receiving gifts until ``until``; sends meanwhile get host_gift_muted."""
    until: datetime = body.until
    await commands.mute_host(resources.gifts, caller=caller, host_id=host_id, until=until,
                             reason=body.reason)  # fmt: skip
    return {"host": host_id, "until": until.isoformat().replace("+00:00", "Z")}


@router.delete("/hosts/{host_id}/gift-mute", status_code=204)
async def unmute(host_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> None:
    await commands.unmute_host(resources.gifts, caller=caller, host_id=host_id)
