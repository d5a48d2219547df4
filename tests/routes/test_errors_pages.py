"""Server-rendered pages say what went wrong in the visitor's language, from the code;
API clients keep the English message."""

from __future__ import annotations

import httpx
import pytest

from livecommerce.routes._i18n import messages
from tests.users import signup
from tests.web.forms import HTML, submit

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_error_page_shows_the_codes_text(client: httpx.AsyncClient, lang: str) -> None:
    """A missing room's page has the not_found text in the chosen language, not the message."""
    client.cookies.set("lc_lang", lang)
    response = await client.get("/rooms/424242", headers=HTML)
    assert response.status_code == 404
    assert messages(lang)["error.not_found"] in response.text
    assert messages(lang)["error.title"] in response.text
    assert "room 424242 not found" not in response.text


async def test_api_clients_keep_the_english_message(client: httpx.AsyncClient) -> None:
    """JSON answers are unchanged: the code and the developer's message."""
    client.cookies.set("lc_lang", "zh")
    response = await client.get("/api/rooms/424242")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "room 424242 not found"}}


async def test_login_form_error_is_translated(client: httpx.AsyncClient) -> None:
    """A wrong password in Chinese shows the bad_credentials text, not the English message."""
    await signup(client, "mei")
    client.cookies.set("lc_lang", "zh")
    response = await submit(client, "/login", {"handle": "mei", "password": "wrong password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "wrong handle or password" not in response.text
