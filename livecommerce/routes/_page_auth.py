"""The login, signup and logout forms: plain HTML posts that set the API's session cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from livecommerce import errors
from livecommerce.accounts import commands as accounts
from livecommerce.accounts import service
from livecommerce.accounts.tokens import Principal
from livecommerce.routes import _pagekit as kit
from livecommerce.routes import share_pages
from livecommerce.routes.auth import issue_session, login_limits
from livecommerce.routes.deps import (
    SESSION_COOKIE,
    OptionalUser,
    ResourcesDep,
    presented_token,
)
from livecommerce.routes.errors import status_of

router = APIRouter(include_in_schema=False)

# Longer values than these are refused by the API models too; cutting them here keeps
# an oversized form from reaching the password hasher.
_FIELD_LIMITS = {"handle": 64, "password": 256, "display_name": 200, "role": 20, "next": 500}


def _form_page(
    request: Request,
    resources: ResourcesDep,
    principal: Principal | None,
    name: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    nonce = kit.form_nonce(request)
    values = values or {}
    context: dict[str, Any] = {
        "form_token": kit.issue_form_token(resources, nonce),
        "values": values,
        "error": error,
        "next": kit.safe_next(values.get("next") or request.query_params.get("next")),
    }
    response = kit.render(request, resources, principal, name, context, status=status)
    kit.set_form_cookie(response, resources, nonce)
    return response


async def _read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    values = {}
    for name, limit in (*_FIELD_LIMITS.items(), ("csrf_token", 2000)):
        value = form.get(name)
        values[name] = value[:limit] if isinstance(value, str) else ""
    return values


async def _logged_in(
    request: Request, resources: ResourcesDep, user: service.UserView, target: str
) -> Response:
    response = RedirectResponse(kit.safe_next(target), status_code=303)
    await issue_session(response, resources, resources.revocations, user)
    await share_pages.bind_waiting(request, resources, user.id, response)
    return response


@router.get("/login")
async def login_page(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    return _form_page(request, resources, caller, "login.html")


@router.get("/signup")
async def signup_page(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    return _form_page(request, resources, caller, "signup.html")


@router.post("/login")
async def login_submit(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    values = await _read_form(request)
    try:
        kit.check_form_token(request, resources, values["csrf_token"])
        async with (
            login_limits(request, resources, values["handle"]),
            resources.db.read() as session,
        ):
            user = await service.authenticate(
                session,
                passwords=resources.passwords,
                handle=values["handle"],
                password=values["password"],
            )
    except errors.DomainError as exc:
        return _refused(request, resources, caller, "login.html", values, exc)
    return await _logged_in(request, resources, user, values["next"] or "/")


@router.post("/signup")
async def signup_submit(
    request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    values = await _read_form(request)
    try:
        kit.check_form_token(request, resources, values["csrf_token"])
        user = await accounts.sign_up(
            resources.db, passwords=resources.passwords, handle=values["handle"],
            password=values["password"], display_name=values["display_name"],
            role=values["role"] or "viewer",
        )  # fmt: skip
    except errors.DomainError as exc:
        return _refused(request, resources, caller, "signup.html", values, exc)
    landing = "/console" if user.role == "merchant" else "/studio" if user.role == "host" else "/"
    wanted = values["next"] if values["next"] not in ("", "/") else landing
    return await _logged_in(request, resources, user, wanted)


def _refused(
    request: Request,
    resources: ResourcesDep,
    caller: Principal | None,
    name: str,
    values: dict[str, str],
    exc: errors.DomainError,
) -> Response:
    """Show the form again with the error's text, keeping what was typed but the password."""
    kept = {k: v for k, v in values.items() if k not in ("password", "csrf_token")}
    message = kit.refusal_text(request, exc)
    response = _form_page(
        request, resources, caller, name, values=kept, error=message, status=status_of(exc)
    )
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


@router.post("/logout")
async def logout(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    if caller is not None:
        form = await request.form()
        token = form.get("csrf_token")
        kit.check_session_token(resources, token if isinstance(token, str) else "", caller)
        revocations = resources.revocations
        claims, _ = await presented_token(request, resources, revocations)
        if claims is not None:
            await revocations.revoke(claims)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
