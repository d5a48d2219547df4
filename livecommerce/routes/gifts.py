"""Gifts API: a shop's catalogue, sending from a room, the caller's wallet and earnings.

A send and a top-up each need an Idempotency-Key: the same key answers the first
result again (200) and bills nothing twice.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from livecommerce.errors import InvalidInput
from livecommerce.gifts import catalogue, commands, platform, wallet
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["gifts"])

MAX_KEY = 80
MAX_QUANTITY = 99
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


def _key(value: str | None) -> str:
    if not value or not value.strip():
        raise InvalidInput("idempotency-key: the Idempotency-Key header is required")
    if len(value) > MAX_KEY:
        raise InvalidInput(f"idempotency-key: at most {MAX_KEY} characters")
    return value


class GiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = text(max_length=200)
    image_url: str = text(max_length=500, default="")
    price_cents: int = Field(ge=1, le=10**9)


class GiftPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | SkipJsonSchema[None] = text(max_length=200, default=None)
    image_url: str | SkipJsonSchema[None] = text(max_length=500, default=None)
    price_cents: int | SkipJsonSchema[None] = Field(default=None, ge=1, le=10**9)
    active: bool | SkipJsonSchema[None] = None


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gift_id: BodyId
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_cents: int = Field(ge=1, le=10**9)


@router.post("/api/gifts", status_code=201)
async def add(body: GiftIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Add a gift to the caller's (a merchant's) catalogue."""
    made = await commands.add_gift(resources.gifts, caller=caller, **body.model_dump())
    return made.as_dict()


@router.get("/api/gifts")
async def mine(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The caller's catalogue, withdrawn gifts too."""
    async with resources.db.read() as session:
        found = await catalogue.shop_gifts(session, caller.user_id, active_only=False)
    return {"gifts": [g.as_dict() for g in found]}


@router.patch("/api/gifts/{gift_id}")
async def edit(
    gift_id: RowId, body: GiftPatch, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Change a gift, or withdraw it (``active: false``)."""
    fields = body.model_dump(exclude_none=True)
    changed = await commands.edit_gift(resources.gifts, caller=caller, gift_id=gift_id, **fields)
    return changed.as_dict()


@router.get("/api/rooms/{room_id}/gifts")
async def of_room(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """The gifts a viewer can send in this room (its shop's catalogue)."""
    async with resources.db.read() as session:
        found = await catalogue.room_gifts(session, room_id)
    return {"gifts": [g.as_dict() for g in found]}


@router.post("/api/rooms/{room_id}/gift-sends", status_code=201)
async def send(
    room_id: RowId, body: SendIn, caller: CurrentUser, resources: ResourcesDep,
    response: Response, idempotency_key: KeyHeader = None,
) -> dict[str, Any]:  # fmt: skip
    """Send ``quantity`` of a gift to the room's host, paid from the caller's wallet.
    201 for a new send, 200 (the same body) for a repeated Idempotency-Key."""
    sent = await commands.send_gift(
        resources.gifts, caller=caller, room_id=room_id, gift_id=body.gift_id,
        quantity=body.quantity, key=_key(idempotency_key),
    )  # fmt: skip
    if sent.replayed:
        response.status_code = 200
    return {"send": sent.send.as_dict()}


@router.get("/api/me/wallet")
async def my_wallet(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The caller's balance, what they sent today and this month, and the limits."""
    async with resources.db.read() as session:
        view = await wallet.wallet_view(session, resources.gifts, caller.user_id)
    return view.as_dict()


@router.post("/api/me/wallet/top-ups", status_code=201)
async def top_up(
    body: TopUpIn, caller: CurrentUser, resources: ResourcesDep, response: Response,
    idempotency_key: KeyHeader = None,
) -> dict[str, Any]:  # fmt: skip
    """Add money to the wallet through the payment provider (the sandbox: no money)."""
    done = await commands.top_up(
        resources.gifts, caller=caller, amount_cents=body.amount_cents,
        key=_key(idempotency_key),
    )  # fmt: skip
    if done.replayed:
        response.status_code = 200
    return {"top_up": done.as_dict()}


@router.get("/api/me/earnings")
async def my_earnings(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The caller's (a host's) gift money: payable (in its delay) and available."""
    async with resources.db.read() as session:
        found = await platform.earnings(session, caller.user_id)
    return found.as_dict()
