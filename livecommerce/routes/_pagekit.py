"""What every HTML page needs: the shared context, redirects and form CSRF tokens.

Pages are rendered for a visitor who may not be logged in, so the login and signup
forms cannot bind their CSRF token to a user. They use a signed double-submit token
instead: a random nonce in an HttpOnly cookie, and a CSRF token signed over that nonce
in the form. A cross-site page can make the browser send the cookie but can neither read
it nor sign a token for it.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import DomainError, NotAuthenticated, PermissionDenied
from livecommerce.resources import Resources
from livecommerce.routes._i18n import (
    LANG_COOKIE,
    Translator,
    choose_language,
    error_text,
    messages,
    translator,
)

FORM_COOKIE = "lc_form"
_FORM_PREFIX = "form:"
# Scripts and styles only from our own files: an injected <script> or inline handler would
# not run even if escaping ever failed. Media and WHEP may live on other nodes (redirects),
# so connections are open; pages may not be framed (a hidden buy button is clickjacking).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'",
    "img-src 'self' data: https: http:", "media-src 'self' blob:",
    "connect-src 'self' ws: wss: https: http:", "object-src 'none'", "base-uri 'none'",
    "frame-ancestors 'none'", "form-action 'self'",
])  # fmt: skip
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def language(request: Request) -> str:
    return choose_language(
        request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", "")
    )


def _user(principal: Principal | None) -> dict[str, Any] | None:
    if principal is None:
        return None
    return {"id": principal.user_id, "handle": principal.handle, "role": principal.role}


def render(
    request: Request,
    resources: Resources,
    principal: Principal | None,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> Response:
    """Render ``name`` with the layout's context: user, CSRF token, language, server time."""
    lang = language(request)
    page_data = {"user": _user(principal), "lang": lang, **(context or {}).get("page_data", {})}
    full = {
        "user": principal,
        "csrf_token": resources.csrf.issue(principal) if principal else "",
        "lang": lang,
        "notify_poll_seconds": resources.settings.notification_poll_seconds,
        "t": translator(lang),
        "messages": messages(lang),
        # The browser computes countdowns against the server's clock, not its own.
        "server_time_ms": int(time.time() * 1000),
        **(context or {}),
        "page_data": page_data,
    }
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, name, full, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site paths: ``//evil.example`` and ``https://...`` would be open redirects."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def to_login(request: Request) -> RedirectResponse:
    target = quote(safe_next(request.url.path), safe="/")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def form_nonce(request: Request) -> str:
    """The visitor's form nonce, or a new one (``set_form_cookie`` then stores it)."""
    nonce = request.cookies.get(FORM_COOKIE, "")
    return nonce if 16 <= len(nonce) <= 64 and nonce.isalnum() else secrets.token_hex(16)


def issue_form_token(resources: Resources, nonce: str) -> str:
    return resources.csrf.issue(Principal(0, _FORM_PREFIX + nonce, "anonymous"))


def set_form_cookie(response: Response, resources: Resources, nonce: str) -> None:
    response.set_cookie(
        FORM_COOKIE,
        nonce,
        httponly=True,
        samesite="lax",
        secure=resources.settings.cookie_secure,
        path="/",
    )


def check_form_token(request: Request, resources: Resources, token: str) -> None:
    """Refuse a login/signup form whose token was not signed for this browser's nonce."""
    nonce = request.cookies.get(FORM_COOKIE, "")
    try:
        owner = resources.csrf.verify(token)
    except NotAuthenticated:
        raise PermissionDenied("missing or invalid CSRF token") from None
    if not nonce or owner.user_id != 0 or owner.handle != _FORM_PREFIX + nonce:
        raise PermissionDenied("CSRF token does not match this browser")


def check_session_token(resources: Resources, token: str, principal: Principal) -> None:
    """Refuse a logged-in form whose token belongs to no session or another user's."""
    try:
        owner = resources.csrf.verify(token)
    except NotAuthenticated:
        raise PermissionDenied("missing or invalid CSRF token") from None
    if owner.user_id != principal.user_id or owner.user_id == 0:
        raise PermissionDenied("CSRF token belongs to another session")


def translator_for(request: Request) -> Translator:
    return translator(language(request))


def refusal_text(request: Request, error: DomainError) -> str:
    """What a page says about a refused form, in the visitor's language, from the code."""
    t = translator_for(request)
    if isinstance(error, PermissionDenied):
        # On a page form the only refusal of this kind is a stale or missing CSRF token.
        return t("auth.form_expired")
    return error_text(t, error.code)
