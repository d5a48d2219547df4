"""Show analytics API: live and final stats, per minute, per product, the timeline,
CSV exports, the report's comparisons and post-live orders, and the funnel beacon.

Every number comes from the show ledger (``livecommerce.analytics``); the formulas are
listed at ``GET /api/analytics/metrics``. Stats are for the room's host, its merchant
and admins.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from livecommerce.analytics import beacon, report, stats
from livecommerce.analytics.metrics import METRICS, MINUTE_METRICS, PRODUCT_METRICS
from livecommerce.rooms import service
from livecommerce.routes._fields import RowId
from livecommerce.routes.client_address import client_address
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.storage.models import Room, utcnow

router = APIRouter(tags=["analytics"])
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV with a header row"}
}


class BeaconItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="impression | click | sheet_open")
    product_id: int
    count: int = 1


class BeaconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[BeaconItem] = Field(max_length=beacon.MAX_ITEMS)


async def _managed_room(resources: ResourcesDep, room_id: int, caller: CurrentUser) -> Room:
    async with resources.db.read() as session:
        room = await service.load_room(session, room_id)
        await service.require_manager(session, room, caller)
    return room


@router.get("/api/analytics/metrics")
async def metric_catalogue() -> dict[str, Any]:
    """Every metric: name, unit (count, cents, ms, ratio), formula over ledger rows, what
    it means, and whether higher or lower is better."""
    return {"metrics": [m.as_dict() for m in METRICS.values()]}


@router.get("/api/rooms/{room_id}/stats")
async def room_stats(
    room_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The show's numbers, live while it runs and final once it ended.

    ``viewers``, ``peak_viewers``, ``unique_viewers`` and ``likes`` at the top are the hub's
    live gauges (watching now, this instant); ``metrics`` holds every ledger metric for the
    whole show (the ledger lags by up to one flush interval), ``recent`` the last ten show
    minutes against the ten before."""
    room = await _managed_room(resources, room_id, caller)
    gauges = await resources.hub.stats(room_id)
    async with resources.db.read() as session:
        figures = await stats.show_stats(session, room, now=utcnow())
    return {
        "viewers": gauges.viewers, "peak_viewers": gauges.peak,
        "unique_viewers": gauges.unique, "likes": gauges.likes, **figures,
    }  # fmt: skip


@router.get("/api/rooms/{room_id}/stats/minutes")
async def minutes(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The show minute by minute: ``minute`` (since the start), ``start`` and the per-minute
    metrics (views, peak viewers, funnel counts, orders, GMV, CTR...)."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        return {"room": room_id, "minutes": await stats.minute_series(session, room, now=utcnow())}


@router.get("/api/rooms/{room_id}/stats/minutes.csv", responses=_CSV)
async def minutes_csv(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> Response:
    """The per-minute series as CSV (the same columns as ``/stats/minutes``)."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        rows = await stats.minute_series(session, room, now=utcnow())
    return _csv(("minute", "start", *MINUTE_METRICS), rows, f"show-{room_id}-minutes.csv")


@router.get("/api/rooms/{room_id}/stats/products")
async def products(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The show product by product, most GMV first."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        return {"room": room_id, "products": await stats.product_table(session, room)}


@router.get("/api/rooms/{room_id}/stats/products.csv", responses=_CSV)
async def products_csv(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> Response:
    """The per-product table as CSV (the same columns as ``/stats/products``)."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        rows = await stats.product_table(session, room)
    return _csv(("product_id", "title", *PRODUCT_METRICS), rows, f"show-{room_id}-products.csv")


@router.get("/api/rooms/{room_id}/stats/timeline")
async def timeline(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The host's actions and the show's state, oldest first, for chart annotations: pins,
    deals started/sold out/ended, stream and show start/end, moderation."""
    await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        return {"room": room_id, "events": await stats.timeline(session, room_id)}


@router.get("/api/rooms/{room_id}/stats/weakest")
async def weakest(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The three comparable metrics furthest below the mean of the merchant's previous
    (up to ten) ended shows; ``change`` is relative, negative is worse."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        return await report.weakest_of(session, room)


@router.get("/api/rooms/{room_id}/stats/post-live")
async def post_live(room_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Orders of the show's shelf products by its logged-in viewers in the seven days
    after it ended; kept apart from the show's own numbers."""
    room = await _managed_room(resources, room_id, caller)
    async with resources.db.read() as session:
        return await report.post_live(session, room)


@router.post("/api/rooms/{room_id}/beacon", status_code=204)
async def post_beacon(
    room_id: RowId, body: BeaconIn, request: Request, resources: ResourcesDep
) -> None:
    """The funnel beacon over HTTP (for ``fetch(..., {keepalive: true})`` as a page
    closes); the same items as the ``analytics.beacon`` WebSocket message. Anonymous."""
    counts = beacon.parse(body.model_dump())
    address = client_address(request, resources.settings)
    await resources.node_limiter.hit(
        "beacon", f"{room_id}:{address}", limit=1, window=beacon.MIN_INTERVAL_SECONDS
    )
    async with resources.db.read() as session:
        await service.load_room(session, room_id)
    for item in counts:
        resources.ledger.count(room_id, item.kind, item.product_id, item.count)


def _csv(columns: Sequence[str], rows: Sequence[dict[str, Any]], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
