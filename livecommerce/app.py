"""The ASGI application: ``create_app(settings)`` builds everything in the lifespan."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from livecommerce.paths import web_dir
from livecommerce.referrals import ledger
from livecommerce.resources import Resources, build_resources
from livecommerce.routes import (
    addresses,
    analytics,
    auth,
    coupons,
    docs,
    draws,
    errors,
    follows,
    gift_admin,
    gifts,
    groups,
    health,
    hls,
    hosts,
    media,
    merchant_orders,
    order_actions,
    orders,
    pages,
    products,
    referrals,
    replays,
    rooms,
    sales,
    shows,
    ws,
)
from livecommerce.routes._ws_sinks import CaptureSend
from livecommerce.routes.fast_lane import FastLane
from livecommerce.routes.limits import BodyLimit
from livecommerce.routes.media_cors import MediaCors
from livecommerce.routes.observe import Observe
from livecommerce.settings import Settings

log = logging.getLogger(__name__)


StartupHook = Callable[[Resources], Awaitable[None]]


def create_app(settings: Settings, *, on_startup: Sequence[StartupHook] = ()) -> FastAPI:
    """The app for ``settings``; ``on_startup`` hooks run once its resources exist."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await build_resources(settings)
        app.state.resources = resources
        resources.media.on_stream_ended = media.stream_ended_handler(resources)
        for hook in on_startup:
            await hook(resources)
        try:
            yield
        finally:
            await resources.close()

    app = FastAPI(
        title="livecommerce",
        version="0.1.0",
        description="Live-stream shopping: rooms, chat, flash deals, WebRTC video.",
        lifespan=lifespan,
        # Served by routes/docs.py from the vendored assets instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    ledger.install()  # commissions move with the orders they are paid on
    app.state.templates = Jinja2Templates(directory=str(web_dir() / "templates"))
    errors.install(app)
    routers = (
        auth,
        addresses,
        products,
        rooms,
        shows,
        sales,
        orders,
        order_actions,
        merchant_orders,
        coupons,
        gifts,
        gift_admin,
        groups,
        referrals,
        draws,
        follows,
        hosts,
        media,
        hls,
        replays,
        analytics,
    )
    for module in routers:
        app.include_router(module.router, responses=errors.API_ERRORS)
    for module in (health, pages, ws):
        app.include_router(module.router)
    app.include_router(draws.pages)
    docs.install(app)
    app.mount("/static", StaticFiles(directory=str(web_dir() / "static")), name="static")
    # Innermost: purchases and claims skip FastAPI, inside the body limit and request ids.
    app.add_middleware(FastLane)
    uploads = {
        **shows.UPLOAD_LIMITS,
        re.escape(merchant_orders.SHIPMENTS_PATH): merchant_orders.UPLOAD_BYTES,
    }
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, uploads=uploads)
    app.add_middleware(Observe)
    # Outside the body limit, so a cross-origin client can read its 413 too.
    app.add_middleware(MediaCors, origins=settings.media_cors_origins)
    # Outermost, so it sees the server's own send callable (see routes._ws_sinks).
    app.add_middleware(CaptureSend)
    return app
