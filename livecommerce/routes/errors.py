"""Error answers: JSON for the API, a translated page for browsers, from the code tables
in ``livecommerce.errors`` (status, WebSocket close code, page text)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from livecommerce import errors
from livecommerce.routes._fields import NO_NUL
from livecommerce.routes._i18n import LANG_COOKIE, choose_language, error_text, translator
from livecommerce.storage.outage import OUTAGE_SOURCES, is_outage, unavailable

log = logging.getLogger(__name__)

# The code a bare HTTP status gets (Starlette's own 404 and 405, a route's HTTPException);
# each is a row of the tables in ``livecommerce.errors`` with that status.
HTTP_CODES = {
    400: "bad_request",
    401: errors.NotAuthenticated.code,
    403: errors.PermissionDenied.code,
    404: errors.NotFound.code,
    405: "method_not_allowed",
    409: errors.Conflict.code,
    413: "too_large",
    415: "unsupported_media_type",
    422: errors.InvalidInput.code,
    429: errors.RateLimited.code,
}


class ErrorDetail(BaseModel):
    code: str = Field(
        description="stable, one per cause (livecommerce/errors.py); pages translate it "
        "(messages.json `error.<code>`)",
        examples=["sold_out"],
    )
    message: str = Field(description="English, for developers and logs", examples=["sold out"])


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code", "message"}}``; 429 and 503 also carry
    ``Retry-After`` (seconds)."""

    error: ErrorDetail


_ANSWERS = {
    400: "malformed request (bad JSON, a bad header)",
    401: "no valid token or session",
    403: "not allowed, or a missing CSRF token",
    404: "no such thing",
    405: "the path does not take this method",
    409: "clashes with the current state (sold out, over the limit, ...)",
    413: "body over the size limit",
    415: "a body of a content type the operation does not take",
    422: "a value breaks a rule",
    429: "too many requests; see Retry-After",
    500: "a bug on the server (logged)",
    503: "a backing service is down; see Retry-After",
}


def _codes_of(status: int) -> list[str]:
    tables = {**errors.DOMAIN_CODES, **errors.TRANSPORT_CODES}
    return sorted(code for code, answer in tables.items() if answer.status == status)


def _answer(status: int, text: str) -> dict[str, Any]:
    codes = ", ".join(f"`{code}`" for code in _codes_of(status))
    return {"model": ErrorOut, "description": f"{text}; `error.code`: {codes}"}


API_ERRORS: dict[int | str, dict[str, Any]] = {
    status: _answer(status, text) for status, text in _ANSWERS.items()
}
"""The error answers of the API, with the codes each status carries, for its OpenAPI
(instead of FastAPI's own 422, which is not what the API answers)."""


def answer_of(error: errors.DomainError) -> errors.Answer:
    """The table's row for the error's code; a subclass defined outside
    ``livecommerce.errors`` with a code of its own answers as its nearest listed base."""
    for cls in type(error).__mro__:
        found = errors.DOMAIN_CODES.get(getattr(cls, "code", ""))
        if found is not None:
            return found
    return errors.DOMAIN_CODES[errors.DomainError.code]


def status_of(error: errors.DomainError) -> int:
    return answer_of(error).status or 400  # every domain row has both (test_errors_table)


def ws_close_code(error: errors.DomainError) -> int:
    return answer_of(error).close or 4400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/ws", "/metrics", "/healthz", "/readyz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, code: str) -> Response:
    """The error page in the visitor's language: the code's text, never the English
    message (which is for API clients and the logs)."""
    templates = getattr(request.app.state, "templates", None)
    if templates is None:
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)
    lang = choose_language(
        request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", "")
    )
    t = translator(lang)
    context = {"status": status, "code": code, "lang": lang, "t": t, "text": error_text(t, code)}
    page: Response = templates.TemplateResponse(request, "error.html", context, status_code=status)
    return page


# RFC 9110 section 15.5.2: a 401 names the scheme to use (RFC 6750's Bearer here).
WWW_AUTHENTICATE = 'Bearer realm="livecommerce"'


def error_response(
    request: Request, status: int, code: str, message: str, **extra: Any
) -> Response:
    if _wants_html(request):
        response = _page(request, status, code)
    else:
        response = JSONResponse(error_body(code, message, **extra), status_code=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    extra: dict[str, Any] = getattr(exc, "extra", {})  # e.g. the bad rows of an upload
    response = error_response(request, status_of(exc), exc.code, exc.message, **extra)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


def _describe(detail: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in detail.get("loc", ()) if part != "body")
    message = str(detail.get("msg", "invalid"))
    if (detail.get("ctx") or {}).get("pattern") == NO_NUL:
        message = "must not contain NUL characters"
    return f"{where}: {message}" if where else message


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = list(exc.errors())
    if any(d.get("type") == "json_invalid" for d in details):
        return error_response(request, 400, "bad_request", "request body is not valid JSON")
    message = "; ".join(_describe(d) for d in details[:5]) or "invalid request"
    return error_response(request, 422, "invalid_input", message)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    response = error_response(request, exc.status_code, code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _gone(request: Request, exc: Exception) -> Response:
    # The client left mid-body (or the body limit cut it off and answered already):
    # nobody reads this answer, and it is not a server error.
    return error_response(request, 400, "bad_request", "the request body ended early")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal", "internal server error")


async def _storage(request: Request, exc: Exception) -> Response:
    """A database outage that escaped the unit of work is a 503 like any other; handled
    here rather than by the catch-all, which makes the server drop the connection."""
    if is_outage(exc):
        return await _domain(request, unavailable(exc))
    return await _unexpected(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    for source in OUTAGE_SOURCES:
        app.add_exception_handler(source, _storage)
    app.add_exception_handler(ClientDisconnect, _gone)
    app.add_exception_handler(Exception, _unexpected)
