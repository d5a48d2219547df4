"""Helpers to drive the HTML forms the way a browser does."""

from __future__ import annotations

import re

import httpx

HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_field(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


async def form_token(client: httpx.AsyncClient, path: str) -> str:
    """Open a form page (which also sets the form cookie) and return its CSRF field."""
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200
    return csrf_field(page.text)


async def submit(
    client: httpx.AsyncClient, path: str, fields: dict[str, str], *, token: str | None = None
) -> httpx.Response:
    data = {"csrf_token": token if token is not None else await form_token(client, path), **fields}
    return await client.post(path, data=data, headers=HTML)


async def page_signup(client: httpx.AsyncClient, handle: str, role: str) -> httpx.Response:
    fields = {"handle": handle, "password": "correct horse", "display_name": handle.title(),
              "role": role}  # fmt: skip
    return await submit(client, "/signup", fields)
