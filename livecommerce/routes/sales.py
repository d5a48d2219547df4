"""Flash sales API: launch a deal in a room, read it, cancel it before it starts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.orders import commands as deals
from livecommerce.routes._fields import BodyId, RowId
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.sales import service
from livecommerce.storage.models import utcnow

router = APIRouter(tags=["sales"])
BIG = 10**12


class SaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: BodyId
    price_cents: int = Field(strict=True, ge=-BIG, le=BIG)
    quantity: int = Field(strict=True, ge=-BIG, le=BIG)
    per_user_limit: int = Field(default=1, strict=True, ge=-BIG, le=BIG)
    starts_at: datetime | None = Field(default=None, description="or countdown_seconds")
    countdown_seconds: int | None = Field(default=None, ge=-BIG, le=10**8)
    ends_at: datetime | None = Field(default=None, description="or duration_seconds")
    duration_seconds: int | None = Field(default=None, ge=-BIG, le=10**8)


def _with_clock(sale: dict[str, Any]) -> dict[str, Any]:
    # Countdowns run in the browser; the server's time lets it correct its own clock.
    return {**sale, "server_time": utcnow().isoformat()}


@router.post("/api/rooms/{room_id}/sales", status_code=201)
async def schedule(
    room_id: RowId, body: SaleIn, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    sale = await deals.schedule_deal(
        resources.checkout, caller=caller, room_id=room_id, **body.model_dump()
    )
    return _with_clock(sale.as_dict())


@router.get("/api/rooms/{room_id}/sales")
async def list_for_room(room_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        sales = await service.list_room_sales(session, room_id)
    return {"sales": [s.as_dict() for s in sales], "server_time": utcnow().isoformat()}


@router.get("/api/sales/{sale_id}")
async def detail(sale_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        sale = await service.get_sale(session, sale_id)
    return _with_clock(sale.as_dict())


@router.post("/api/sales/{sale_id}/cancel")
async def cancel(sale_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    sale = await deals.cancel_deal(resources.checkout, caller=caller, sale_id=sale_id)
    return _with_clock(sale.as_dict())
