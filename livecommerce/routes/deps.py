"""Typed dependencies: route signatures read like typed functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from livecommerce.accounts.revocation import Revocations
from livecommerce.accounts.tokens import Claims, Principal
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


async def get_revocations(resources: ResourcesDep) -> Revocations:
    return resources.revocations


RevocationsDep = Annotated[Revocations, Depends(get_revocations)]


NO_CALLER = "log in first (Authorization: Bearer <token> or session cookie)"


def _bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_csrf(resources: Resources, principal: Principal, token: str) -> None:
    """Refuse a cookie's unsafe /api request without its session's CSRF token."""
    # Cookies ride along on cross-site requests; a token only our pages can read
    # proves the request came from one of them.
    try:
        owner = resources.csrf.verify(token)
    except NotAuthenticated:
        raise PermissionDenied("missing or invalid CSRF token") from None
    if owner.user_id != principal.user_id:
        raise PermissionDenied("CSRF token belongs to another session")


async def token_of(
    resources: Resources, revocations: Revocations, *, authorization: str, session: str | None
) -> tuple[Claims | None, bool]:
    """The valid, unrevoked token in an ``Authorization`` header or a session cookie's
    value, and whether it came as the cookie. Shared by every route and the purchase
    path (``routes._purchase``), which reads its headers without a ``Request``.

    An explicit bad bearer token is an error; a bad or revoked cookie is no cookie."""
    bearer = _bearer(authorization)
    if bearer is not None:
        claims = resources.tokens.read(bearer)
        await revocations.check(claims)
        return claims, False
    if not session:
        return None, False
    try:
        claims = resources.tokens.read(session)
        await revocations.check(claims)
    except NotAuthenticated:
        return None, False  # a stale cookie is the same as none
    return claims, True


async def presented_token(
    request: Request, resources: Resources, revocations: Revocations
) -> tuple[Claims | None, bool]:
    """The valid, unrevoked token the request carries, and whether it came as a cookie."""
    authorization = request.headers.get("authorization", "")
    session = request.cookies.get(SESSION_COOKIE)
    return await token_of(resources, revocations, authorization=authorization, session=session)


async def optional_principal(
    request: Request, resources: ResourcesDep, revocations: RevocationsDep
) -> Principal | None:
    claims, from_cookie = await presented_token(request, resources, revocations)
    if claims is None:
        return None
    principal = claims.principal
    if from_cookie and request.method in UNSAFE and request.url.path.startswith("/api"):
        check_csrf(resources, principal, request.headers.get(CSRF_HEADER, ""))
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticated(NO_CALLER)
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(current_principal)]
