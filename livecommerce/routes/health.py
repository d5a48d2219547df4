"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from livecommerce.routes.deps import ResourcesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a backing service is down"}})
async def readyz(resources: ResourcesDep) -> Response:
    checks: dict[str, Any] = {}
    try:
        await resources.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports any failure; it never raises
        checks["database"] = f"error: {type(exc).__name__}"
    if resources.redis is not None:
        try:
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
