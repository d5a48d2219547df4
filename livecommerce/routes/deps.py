"""Typed dependencies: route signatures read like typed functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import NotAuthenticated, PermissionDenied
from livecommerce.resources import Resources

SESSION_COOKIE = "lc_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a
# thread pool, and three thread hops per request made the flash-sale path queue on the
# pool's 40 threads under load.
async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _check_csrf(request: Request, resources: Resources, principal: Principal) -> None:
    # Cookies ride along on cross-site requests; a token only our pages can read
    # proves the request came from one of them.
    token = request.headers.get(CSRF_HEADER, "")
    try:
        owner = resources.csrf.verify(token)
    except NotAuthenticated:
        raise PermissionDenied("missing or invalid CSRF token") from None
    if owner.user_id != principal.user_id:
        raise PermissionDenied("CSRF token belongs to another session")


async def optional_principal(request: Request, resources: ResourcesDep) -> Principal | None:
    bearer = _bearer(request)
    if bearer is not None:
        return resources.tokens.verify(bearer)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        principal = resources.tokens.verify(cookie)
    except NotAuthenticated:
        return None  # a stale cookie is the same as none
    if request.method in UNSAFE and request.url.path.startswith("/api"):
        _check_csrf(request, resources, principal)
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticated("log in first (Authorization: Bearer <token> or session cookie)")
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(current_principal)]
