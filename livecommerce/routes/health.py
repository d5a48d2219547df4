"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from livecommerce.routes.deps import ResourcesDep
from livecommerce.server import DRAINING

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 2.0
"""A dependency that does not answer within this is not ready: a load balancer's probe
must get its answer before its own timeout, not hang with the dependency."""


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a backing service is down"}})
async def readyz(request: Request, resources: ResourcesDep) -> Response:
    checks: dict[str, Any] = {}
    if request.scope.get(DRAINING):
        checks["server"] = "draining"  # stopping: send new requests elsewhere
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await resources.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports any failure; it never raises
        checks["database"] = f"error: {type(exc).__name__}"
    if resources.redis is not None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await resources.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics(resources: ResourcesDep) -> Response:
    body = generate_latest(resources.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
