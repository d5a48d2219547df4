"""Accounts API: sign up, log in, log out, who am I."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from livecommerce.accounts import commands as accounts
from livecommerce.accounts import service
from livecommerce.accounts.revocation import Revocations
from livecommerce.errors import BadCredentials, NotAuthenticated
from livecommerce.resources import Resources
from livecommerce.routes._fields import text
from livecommerce.routes.client_address import client_address
from livecommerce.routes.deps import (
    SESSION_COOKIE,
    CurrentUser,
    ResourcesDep,
    RevocationsDep,
    presented_token,
)

router = APIRouter(prefix="/api", tags=["accounts"])

LOGIN_WINDOW_SECONDS = 60


class SignupIn(BaseModel):
    handle: str = text(max_length=64)
    password: str = Field(max_length=256)
    display_name: str = text(max_length=200)
    role: Literal["merchant", "host", "viewer"] = "viewer"


class LoginIn(BaseModel):
    handle: str = text(max_length=64)
    password: str = Field(max_length=256)


def set_session(response: Response, resources: Resources, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=resources.settings.token_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=resources.settings.cookie_secure,
        path="/",
    )


async def issue_session(
    response: Response, resources: Resources, revocations: Revocations, user: service.UserView
) -> str:
    """A token for ``user`` at their current generation, also set as the session cookie."""
    token = resources.tokens.issue(user.principal(), generation=user.token_generation)
    await revocations.issued(resources.tokens.read(token))
    set_session(response, resources, token)
    return token


@asynccontextmanager
async def login_limits(request: Request, resources: Resources, handle: str) -> AsyncIterator[None]:
    """Guard the login attempt in the ``with`` body.

    Per handle, every attempt counts: the main guard against guessing one account's
    password. Per client address (see ``client_address``), only failures count, with a
    much looser limit: a guard against trying one password on many handles that does
    not let other people's typos, behind the same proxy, lock out a correct login.
    """
    settings = resources.settings
    limiter, window = resources.limiter, LOGIN_WINDOW_SECONDS
    limit = settings.login_attempts_per_minute
    await limiter.hit("login-handle", handle.strip().lower(), limit=limit, window=window)
    address = client_address(request, settings)
    failures = settings.login_failures_per_address_per_minute
    await limiter.hit("login-address", address, limit=failures, window=window)
    failed = False
    try:
        yield
    except BadCredentials:
        failed = True
        raise
    finally:
        if not failed:  # counted first so that a burst cannot slip past; given back now
            await limiter.refund("login-address", address, window=window)


@router.post("/auth/signup", status_code=201)
async def signup(
    body: SignupIn, resources: ResourcesDep, revocations: RevocationsDep, response: Response
) -> dict[str, Any]:
    user = await accounts.sign_up(
        resources.db, passwords=resources.passwords, handle=body.handle,
        password=body.password, display_name=body.display_name, role=body.role,
    )  # fmt: skip
    token = await issue_session(response, resources, revocations, user)
    return {"user": _user(user), "token": token}


def _user(user: service.UserView) -> dict[str, Any]:
    return {
        "id": user.id,
        "handle": user.handle,
        "display_name": user.display_name,
        "role": user.role,
    }


@router.post("/auth/login")
async def login(
    body: LoginIn,
    request: Request,
    resources: ResourcesDep,
    revocations: RevocationsDep,
    response: Response,
) -> dict[str, Any]:
    async with login_limits(request, resources, body.handle), resources.db.read() as session:
        user = await service.authenticate(
            session, passwords=resources.passwords, handle=body.handle, password=body.password
        )
    token = await issue_session(response, resources, revocations, user)
    return {"token": token, "user": _user(user)}


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request, resources: ResourcesDep, revocations: RevocationsDep, response: Response
) -> None:
    """Revoke the token presented (bearer or cookie) and clear the cookie. Logging out
    twice, or with a token already invalid, is no error."""
    try:
        claims, _ = await presented_token(request, resources, revocations)
    except NotAuthenticated:
        claims = None
    if claims is not None:
        await revocations.revoke(claims)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/auth/logout-all", status_code=204)
async def logout_all(caller: CurrentUser, revocations: RevocationsDep, response: Response) -> None:
    """Revoke every token of the caller's, on every device, this one included."""
    await revocations.revoke_all(caller.user_id)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
async def me(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        user = await service.get_user(session, caller.user_id)
    return {"user": _user(user), "csrf_token": resources.csrf.issue(caller)}
