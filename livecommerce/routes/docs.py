"""The API's own documentation: ``/openapi.json`` with the real error answers and how
to authenticate, and ``/docs`` (Swagger UI) and ``/redoc`` served from the package's
vendored copies (web/static/vendor), so they work without internet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts

from livecommerce.routes.deps import (
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE,
    current_principal,
    optional_principal,
)

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The `token` that signup and login answer with: "
        "`Authorization: Bearer <token>` (scripts, apps, WHIP clients).",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session cookie that signup and login set (the web pages). "
        "With it, a POST, PUT, PATCH or DELETE also needs the CSRF token.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The `csrf_token` of `GET /api/me`; needed beside the session "
        "cookie on every unsafe request (a bearer token needs none).",
    },
}
assert SECURITY_SCHEMES["csrf"]["name"].lower() == CSRF_HEADER


READS_TOKEN_ITSELF = {
    ("POST", "/api/sales/{sale_id}/orders"): "required",
    ("POST", "/api/rooms/{room_id}/products/{product_id}/orders"): "required",
    ("POST", "/api/auth/logout"): "optional",
}
"""Operations that read the caller's token without the usual dependency (the purchase
path, shared with the fast lane; logout, which takes any token or none)."""


SAME_ORIGIN_ONLY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # the pages' own inline start-up script
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "connect-src 'self'",
    )
)
"""ReDoc's bundle shows a logo from its vendor's CDN; the policy keeps the browser from
asking (the image hides itself when it cannot load), so docs pages never leave this node."""


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


@router.get("/docs")
async def swagger(request: Request) -> HTMLResponse:
    return _local(
        get_swagger_ui_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
        )
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return _local(
        get_redoc_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
    )


def _needs(dependant: Dependant) -> str | None:
    """ "required" or "optional" when the route reads the caller, else None."""
    found: str | None = None
    for sub in dependant.dependencies:
        if sub.call is current_principal:
            return "required"
        if sub.call is optional_principal:
            found = "optional"
        found = _needs(sub) or found
    return found


def _security(needs: str, method: str) -> list[dict[str, list[str]]]:
    cookie: dict[str, list[str]] = {"session": []}
    if method in UNSAFE:
        cookie["csrf"] = []
    options: list[dict[str, list[str]]] = [{"bearer": []}, cookie]
    return [*options, {}] if needs == "optional" else options


def schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the security schemes and each operation's requirement."""
    if app.openapi_schema:
        return app.openapi_schema
    built = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    built.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not (isinstance(route, APIRoute) and route.include_in_schema):
            continue
        for method in route.methods or ():
            needs = READS_TOKEN_ITSELF.get((method, route.path_format)) or _needs(route.dependant)
            if needs:
                operation = built["paths"][route.path_format][method.lower()]
                operation["security"] = _security(needs, method)
    app.openapi_schema = built
    return built


def install(app: FastAPI) -> None:
    app.openapi = lambda: schema(app)  # type: ignore[method-assign]
    app.include_router(router)
