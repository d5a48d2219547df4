"""The merchant's order tools: the filtered list, CSV exports, bulk shipping by upload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from livecommerce.errors import InvalidInput, PermissionDenied
from livecommerce.orders import bulk_ship, export
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.listing import MAX_PAGE, OrderFilter, order_page
from livecommerce.routes._fields import MAX_ROW_ID, NO_NUL
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["merchant orders"])

SHIPMENTS_PATH = "/api/merchant/shipments"
UPLOAD_BYTES = 4 * 1024 * 1024
"""A shipment file may be this big (20,000 rows with long tracking numbers), past the
body limit of every other request."""

Id = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
When = Annotated[datetime | None, Query(description="ISO 8601 with a zone")]
Search = Annotated[
    str, Query(max_length=40, pattern=NO_NUL, description="an order id (#123) or a handle prefix")
]


def _aware(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        raise InvalidInput("times need a zone (...Z or +08:00)")
    return at


def merchant_filter(
    caller: CurrentUser,
    status: OrderStatus | None = None,
    room_id: Id = None,
    product_id: Id = None,
    since: When = None,
    until: When = None,
    q: Search = "",
) -> OrderFilter:
    """The filter the query asks for, over the caller's own products only."""
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants see and ship orders of their products")
    return OrderFilter(
        caller.user_id, status=status.value if status else None, room_id=room_id,
        product_id=product_id, since=_aware(since), until=_aware(until), q=q,
    )  # fmt: skip


Filter = Annotated[OrderFilter, Depends(merchant_filter)]


@router.get("/api/merchant/orders")
async def merchant_orders(
    f: Filter,
    resources: ResourcesDep,
    before: Annotated[Id, Query(description="the next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    """Orders of the caller's products, newest first, filtered, with the buyer and the
    address (phone masked); ``total`` counts every match, ``next_before`` pages on."""
    async with resources.db.read() as session:
        page = await order_page(session, f, before=before, limit=limit)
    return {
        "orders": [row.as_dict() for row in page.orders],
        "total": page.total,
        "next_before": page.next_before,
    }


def _csv(chunks: AsyncIterator[str], name: str) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/api/merchant/exports/orders.csv", response_class=StreamingResponse)
async def export_orders(f: Filter, resources: ResourcesDep) -> StreamingResponse:
    """Every order matching the filter as CSV, streamed batch by batch (phones masked)."""
    return _csv(export.orders_csv(resources.db, f), "orders.csv")


@router.get("/api/merchant/exports/refunds.csv", response_class=StreamingResponse)
async def export_refunds(f: Filter, resources: ResourcesDep) -> StreamingResponse:
    """The refunds of the caller's orders as CSV; ``since``/``until`` apply to the refund."""
    return _csv(export.refunds_csv(resources.db, f), "refunds.csv")


@router.post(
    SHIPMENTS_PATH,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"},
                                     "example": "order_id,carrier,tracking_number\n"
                                                "1042,SF Express,SF1234567890\n"}},
        }
    },
)  # fmt: skip
async def ship_from_file(
    request: Request, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Mark the orders of a CSV file shipped (``order_id,carrier,tracking_number``).

    All or none: any bad row (its line and code listed in ``error.rows``) and nothing is
    shipped (422 ``bad_shipment_file``). Otherwise every order is shipped but those
    another change beat to it meanwhile (``skipped``). Up to 20,000 rows, 4 MiB."""
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants ship orders of their products")
    result = await bulk_ship.ship_csv(
        resources.db, merchant_id=caller.user_id, data=await request.body()
    )
    return result.as_dict()
