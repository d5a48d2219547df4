"""Coupons API: templates and the host's cap (merchant), drops (host), claims (viewer),
the buy sheet's price preview, and the console's page of one show."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.promotions import commands, drops, redemption, report, templates
from livecommerce.promotions.templates import MAX_CENTS, TemplateTerms
from livecommerce.routes import _claim
from livecommerce.routes._fields import BodyId, RowId, text
from livecommerce.routes._purchase import as_response
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["coupons"])

Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = text(max_length=1000)
    kind: Literal["fixed", "percent"]
    amount_off_cents: Cents = 0
    percent_off: int = Field(default=0, ge=0, le=100)
    max_discount_cents: Cents | None = None
    min_spend_cents: Cents = 0
    product_ids: list[BodyId] = Field(default_factory=list, max_length=1000)
    audience: str = text(default="everyone", max_length=20)
    total_quantity: int | None = Field(default=None, ge=0, le=10**9)
    per_buyer_limit: int = Field(default=1, ge=0, le=10**9)
    claim_window: str = text(default="live", max_length=20)
    claim_minutes: int | None = Field(default=None, ge=0, le=10**9)
    claim_until: datetime | None = None
    valid_minutes: int = Field(default=24 * 60, ge=0, le=10**9)
    stacks_with_deals: bool = False
    room_id: BodyId | None = None


class CapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_cap_cents: Cents


class DropIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: BodyId


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(default=1, ge=1, le=99)
    coupon_claim_id: BodyId | None = None
    best: bool = False


@router.post("/api/coupons/templates", status_code=201)
async def create_template(
    body: TemplateIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """A coupon template (merchant; a host for a room they host, within the cap)."""
    values = body.model_dump()
    room_id = values.pop("room_id")
    template = await commands.create_template(
        resources.coupons, caller=caller, terms=TemplateTerms(**values), room_id=room_id
    )
    return template.as_dict()


@router.get("/api/coupons/templates")
async def templates_of(
    caller: CurrentUser, resources: ResourcesDep, room_id: RowId | None = None
) -> dict[str, Any]:
    """The merchant's templates, or (with ``room_id``) the ones droppable in that room."""
    async with resources.db.read() as session:
        found = await templates.list_templates(session, caller=caller, room_id=room_id)
    return {"templates": [t.as_dict() for t in found]}


@router.put("/api/coupons/policy")
async def set_policy(body: CapIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The most one host-made coupon may take off an order (0: hosts make none)."""
    cap = await commands.set_host_cap(
        resources.coupons, caller=caller, cap_cents=body.host_cap_cents
    )
    return {"host_cap_cents": cap}


@router.post("/api/rooms/{room_id}/coupons", status_code=201)
async def drop(
    room_id: RowId, body: DropIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Drop a template in the live room (host or merchant)."""
    dropped = await commands.drop_coupon(
        resources.coupons, caller=caller, room_id=room_id, template_id=body.template_id
    )
    return dict(dropped.data())


@router.get("/api/rooms/{room_id}/coupons")
async def room_coupons(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    """The room's drops with what is left: the cards a late joiner sees."""
    async with resources.db.read() as session:
        found = await drops.room_drops(session, room_id, resources.coupons.clock())
    return {"drops": [d.data() for d in found]}


@router.get("/api/rooms/{room_id}/coupons/report")
async def show_report(
    room_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Templates, drops, claims and redemptions of one show (console)."""
    async with resources.db.read() as session:
        return await report.show_report(
            session, caller=caller, room_id=room_id, now=resources.coupons.clock()
        )


@router.post("/api/coupons/drops/{drop_id}/claims", status_code=201, openapi_extra=_claim.DOCS)
async def claim(drop_id: RowId, request: Request, resources: ResourcesDep) -> Response:
    """Claim one coupon; the same Idempotency-Key returns the same claim (200). Most
    claims are answered by ``routes.fast_lane``, alike."""
    answer = await _claim.answer_claim(request.scope, resources, drop_id)
    return as_response(answer)


@router.get("/api/coupons/claims")
async def my_claims(
    caller: CurrentUser, resources: ResourcesDep, merchant_id: RowId
) -> dict[str, Any]:
    """The caller's coupons of a shop that could go on an order now."""
    async with resources.db.read() as session:
        mine = await redemption.usable_claims(
            session, buyer_id=caller.user_id, merchant_id=merchant_id,
            now=resources.coupons.clock(),
        )  # fmt: skip
    return {"claims": [c.as_dict() for c in mine]}


@router.post("/api/rooms/{room_id}/products/{product_id}/quote")
async def quote_shelf(
    room_id: RowId, product_id: RowId, body: QuoteIn, caller: CurrentUser,
    resources: ResourcesDep,
) -> dict[str, Any]:  # fmt: skip
    """The buy sheet's price of a shelf product, by checkout's own function."""
    found = await commands.preview(
        resources.coupons, buyer_id=caller.user_id, room_id=room_id, product_id=product_id,
        quantity=body.quantity, coupon_claim_id=body.coupon_claim_id, best=body.best,
    )  # fmt: skip
    return found.as_dict()


@router.post("/api/sales/{sale_id}/quote")
async def quote_sale(
    sale_id: RowId, body: QuoteIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The buy sheet's price of a flash deal (a coupon applies only if it stacks)."""
    found = await commands.preview(
        resources.coupons, buyer_id=caller.user_id, room_id=0, product_id=0,
        quantity=body.quantity, coupon_claim_id=body.coupon_claim_id, sale_id=sale_id,
        best=body.best,
    )  # fmt: skip
    return found.as_dict()
