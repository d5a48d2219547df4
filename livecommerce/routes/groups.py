"""Group buys API: a merchant's group price on a shelf product; buyers open, join and
leave groups; the room lists its open groups. Paying a seat is ``/api/orders/{id}/pay``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.groups import commands, service
from livecommerce.groups.views import Joined
from livecommerce.routes._fields import BodyId, RowId
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.storage.models import utcnow

router = APIRouter(tags=["groups"])
BIG = 10**9
KeyHeader = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=80)]


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: BodyId
    price_cents: int = Field(strict=True, ge=-BIG, le=BIG)
    size: int = Field(strict=True, ge=-BIG, le=BIG, description="2 to 100 buyers")
    stock: int = Field(strict=True, ge=-BIG, le=BIG)
    per_user_limit: int = Field(default=1, strict=True, ge=-BIG, le=BIG)
    duration_seconds: int | None = Field(
        default=None, ge=-BIG, le=10**8, description="default: LIVECOMMERCE_GROUP_HOURS"
    )


class SeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(default=1, strict=True, ge=-BIG, le=BIG)


def _answer(joined: Joined, response: Response) -> dict[str, Any]:
    response.status_code = 201 if joined.created else 200
    return {**joined.as_dict(), "server_time": utcnow().isoformat()}


@router.post("/api/rooms/{room_id}/group-offers", status_code=201)
async def create_offer(
    room_id: RowId, body: OfferIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Offer a group price on a product of the room's shelf (host, merchant)."""
    offer = await commands.create_offer(
        resources.groups, caller=caller, room_id=room_id, **body.model_dump()
    )
    return offer.as_dict()


@router.get("/api/rooms/{room_id}/groups")
async def room_groups(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """The room's active group offers and their open groups (seat counts, deadlines)."""
    async with resources.db.read() as session:
        listing = await service.room_listing(session, room_id)
    return {**listing, "server_time": utcnow().isoformat()}


@router.get("/api/rooms/{room_id}/groups/report")
async def room_report(
    room_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Every group offer of the room and its groups in every state (host, merchant)."""
    async with resources.db.read() as session:
        report = await service.room_report(session, room_id, caller)
    return {**report, "server_time": utcnow().isoformat()}


@router.get("/api/me/group-seats")
async def my_seats(
    caller: CurrentUser, resources: ResourcesDep,
    room_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:  # fmt: skip
    """The caller's group seats, newest first, each with its group's state now."""
    async with resources.db.read() as session:
        seats = await service.seats_of(session, caller.user_id, room_id)
    return {"seats": seats, "server_time": utcnow().isoformat()}


@router.get("/api/groups/{group_id}")
async def detail(group_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """One group, as its share link shows it."""
    async with resources.db.read() as session:
        found = await service.group_detail(session, group_id)
    return {**found, "server_time": utcnow().isoformat()}


@router.post("/api/group-offers/{offer_id}/groups", status_code=201)
async def open_group(
    offer_id: RowId, body: SeatIn, key: KeyHeader, caller: CurrentUser,
    resources: ResourcesDep, response: Response,
) -> dict[str, Any]:  # fmt: skip
    """Open a group with your seat: a pending order at the group price (pay it next)."""
    joined = await commands.open_group(
        resources.groups, buyer_id=caller.user_id, offer_id=offer_id,
        quantity=body.quantity, key=key,
    )  # fmt: skip
    return _answer(joined, response)


@router.post("/api/groups/{group_id}/join", status_code=201)
async def join(
    group_id: RowId, body: SeatIn, key: KeyHeader, caller: CurrentUser,
    resources: ResourcesDep, response: Response,
) -> dict[str, Any]:  # fmt: skip
    """Take a seat of an open group; the same Idempotency-Key returns the same seat."""
    joined = await commands.join_group(
        resources.groups, buyer_id=caller.user_id, group_id=group_id,
        quantity=body.quantity, key=key,
    )  # fmt: skip
    return _answer(joined, response)


@router.post("/api/groups/{group_id}/leave")
async def leave(group_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Give up your seat before the group fills (a paid seat is refunded in full)."""
    group = await commands.leave_group(resources.groups, buyer_id=caller.user_id, group_id=group_id)
    return group.as_dict()
