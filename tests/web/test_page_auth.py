"""The login, signup and logout forms: sessions, errors and CSRF."""

from __future__ import annotations

import httpx

from tests.users import signup
from tests.web.forms import HTML, csrf_field, form_token, page_signup, submit

PASSWORD = "correct horse"


async def test_signup_form_logs_in_and_redirects(client: httpx.AsyncClient) -> None:
    """Signing up through the form sets the session cookie and lands a merchant on the console."""
    response = await page_signup(client, "shop", "merchant")
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    assert "lc_session" in client.cookies
    me = await client.get("/api/me")
    assert me.json()["user"]["handle"] == "shop"


async def test_signup_error_rerenders_form(client: httpx.AsyncClient) -> None:
    """A bad signup shows the form again with the message and what was typed, not the password."""
    fields = {"handle": "x", "password": "secret-pass-1", "display_name": "Mei", "role": "host"}
    response = await submit(client, "/signup", fields)
    assert response.status_code == 422
    assert "Some values are not valid" in response.text  # error.invalid_input, not the message
    assert 'value="Mei"' in response.text
    assert "secret-pass-1" not in response.text
    assert "lc_session" not in client.cookies


async def test_login_form_success_follows_next(client: httpx.AsyncClient) -> None:
    """Logging in sets the session and returns to the page that asked for it."""
    await signup(client, "mei", "merchant")
    fields = {"handle": "mei", "password": PASSWORD, "next": "/console"}
    response = await submit(client, "/login", fields)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    assert (await client.get("/console", headers=HTML)).status_code == 200


async def test_login_wrong_password_shows_message(client: httpx.AsyncClient) -> None:
    """A wrong password re-renders the login form with the error and no session."""
    await signup(client, "mei")
    response = await submit(client, "/login", {"handle": "mei", "password": "wrong password"})
    assert response.status_code == 401
    assert "Wrong handle or password." in response.text  # error.bad_credentials
    assert 'data-testid="form-error"' in response.text
    assert "lc_session" not in client.cookies


async def test_login_refuses_open_redirect(client: httpx.AsyncClient) -> None:
    """``next`` pointing to another site is replaced by the home page."""
    await signup(client, "mei")
    fields = {"handle": "mei", "password": PASSWORD, "next": "//evil.example/x"}
    response = await submit(client, "/login", fields)
    assert response.headers["location"] == "/"


async def test_login_without_csrf_is_refused(client: httpx.AsyncClient) -> None:
    """A login post without the form's token (a cross-site post) is refused."""
    await signup(client, "mei")
    await client.get("/login", headers=HTML)
    response = await submit(client, "/login", {"handle": "mei", "password": PASSWORD}, token="")
    assert response.status_code == 403
    assert "lc_session" not in client.cookies


async def test_login_token_from_another_browser_is_refused(
    client: httpx.AsyncClient, app: object
) -> None:
    """A valid token issued to another browser's form cookie does not work here."""
    await signup(client, "mei")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker:
        stolen = await form_token(attacker, "/login")
    await client.get("/login", headers=HTML)
    fields = {"handle": "mei", "password": PASSWORD}
    response = await submit(client, "/login", fields, token=stolen)
    assert response.status_code == 403
    assert "lc_session" not in client.cookies


async def test_login_rate_limited(client: httpx.AsyncClient) -> None:
    """Past the per-minute limit the form says so with 429 and Retry-After."""
    await signup(client, "mei")
    statuses = []
    for _ in range(7):
        response = await submit(client, "/login", {"handle": "mei", "password": "wrong password"})
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    assert "Retry-After" in response.headers
    assert "Too many attempts" in response.text  # error.rate_limited


async def test_logout_needs_session_csrf(client: httpx.AsyncClient) -> None:
    """Logout without the page's token is refused; with it, the session cookie is cleared."""
    await page_signup(client, "mei", "viewer")
    refused = await client.post("/logout", data={"csrf_token": "nope"}, headers=HTML)
    assert refused.status_code == 403
    assert (await client.get("/api/me")).status_code == 200
    page = await client.get("/", headers=HTML)
    done = await client.post("/logout", data={"csrf_token": csrf_field(page.text)}, headers=HTML)
    assert done.status_code == 303
    assert (await client.get("/api/me")).status_code == 401


async def test_form_token_is_not_an_api_csrf_token(client: httpx.AsyncClient) -> None:
    """The anonymous form token cannot stand in for a session's CSRF token on the API."""
    token = await form_token(client, "/signup")
    await page_signup(client, "shop", "merchant")
    response = await client.post(
        "/api/products",
        json={"title": "Tea", "price_cents": 100, "stock": 1},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 403
