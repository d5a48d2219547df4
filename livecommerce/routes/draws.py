"""Lucky draws API: start one in a room, read the room's draw, claim a prize, and the
public proof (JSON and a page that recomputes the winners in the browser)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.draws import commands
from livecommerce.draws.service import DrawTerms, get_draw, latest_draw
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes._pagekit import render
from livecommerce.routes.deps import CurrentUser, OptionalUser, ResourcesDep
from livecommerce.storage.models import utcnow

router = APIRouter(tags=["draws"])
BIG = 10**9


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prize_kind: Literal["product", "coupon"] = "product"
    product_id: BodyId | None = None
    coupon_template_id: BodyId | None = None
    winners: int = Field(default=1, strict=True, ge=-BIG, le=BIG)
    duration_seconds: int = Field(strict=True, ge=-BIG, le=BIG, description="30-900")
    condition: Literal["keyword", "watch", "follow", "purchase"]
    keyword: str = text(max_length=200, default="")
    watch_minutes: int = Field(default=0, strict=True, ge=-BIG, le=BIG)
    exclude_recent_days: int = Field(default=0, strict=True, ge=-BIG, le=BIG)


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address_id: BodyId | None = Field(
        default=None, description="an address of the caller's book; null: the default"
    )


def _with_clock(card: dict[str, Any]) -> dict[str, Any]:
    return {**card, "server_time": utcnow().isoformat()}


@router.post("/api/rooms/{room_id}/draws", status_code=201)
async def start(
    room_id: RowId, body: DrawIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    terms = DrawTerms(**body.model_dump())
    view = await commands.start(resources.draws, caller=caller, room_id=room_id, terms=terms)
    return _with_clock(view.card())


@router.get("/api/rooms/{room_id}/draws/current")
async def current(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """The room's open draw, else its last closed one; ``draw`` is null if it had none."""
    async with resources.db.read() as session:
        view = await latest_draw(session, room_id)
    return {"draw": view.card() if view else None, "server_time": utcnow().isoformat()}


@router.get("/api/draws/{draw_id}")
async def detail(draw_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        view = await get_draw(session, draw_id)
    return _with_clock(view.card())


@router.get("/api/draws/{draw_id}/proof")
async def proof(draw_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """The published data: ``livecommerce draw verify`` recomputes the winners from it."""
    async with resources.db.read() as session:
        view = await get_draw(session, draw_id)
    return view.proof()


@router.post("/api/draws/{draw_id}/claim")
async def claim(
    draw_id: RowId, body: ClaimIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Claim a won product: it ships to ``address_id``, else the default address."""
    view = await commands.claim(
        resources.draws, caller=caller, draw_id=draw_id, address_id=body.address_id
    )
    return _with_clock(view.card())


pages = APIRouter(include_in_schema=False)


@pages.get("/draws/{draw_id}/proof")
async def proof_page(
    draw_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    async with resources.db.read() as session:
        view = await get_draw(session, draw_id)
    context = {"draw": view.card(), "page_data": {"draw_id": draw_id}}
    return render(request, resources, caller, "draw_proof.html", context)
