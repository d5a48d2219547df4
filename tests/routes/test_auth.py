from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.users import signup

GOOD = {"handle": "mei", "password": "correct horse", "display_name": "Mei", "role": "viewer"}


async def test_signup_then_me(client: httpx.AsyncClient) -> None:
    """Signing up returns a token that identifies the new user on /api/me."""
    response = await client.post("/api/auth/signup", json=GOOD)
    assert response.status_code == 201
    token = response.json()["token"]
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["user"] == {"id": 1, "handle": "mei", "display_name": "Mei", "role": "viewer"}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"handle": "x"}, 422, "invalid_input"),
        ({"handle": "Has Space"}, 422, "invalid_input"),
        ({"password": "short"}, 422, "invalid_input"),
        ({"password": "p" * 300}, 422, "invalid_input"),
        ({"role": "admin"}, 422, "invalid_input"),
        ({"display_name": "   "}, 422, "invalid_input"),
        ({"display_name": "d" * 500}, 422, "invalid_input"),
        ({"handle": 12345}, 422, "invalid_input"),
    ],
)
async def test_signup_bad_input(
    client: httpx.AsyncClient, change: dict[str, object], status: int, code: str
) -> None:
    """Bad signup fields get a JSON error naming the problem, and no user is made."""
    response = await client.post("/api/auth/signup", json={**GOOD, **change})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    login = await client.post("/api/auth/login", json={"handle": "mei", "password": "x"})
    assert login.status_code == 401


async def test_signup_missing_field(client: httpx.AsyncClient) -> None:
    """A missing field names the field."""
    response = await client.post("/api/auth/signup", json={"handle": "mei"})
    assert response.status_code == 422
    assert "password" in response.json()["error"]["message"]


async def test_duplicate_handle_conflicts(client: httpx.AsyncClient) -> None:
    """A taken handle (in any letter case) is a 409."""
    await client.post("/api/auth/signup", json=GOOD)
    response = await client.post("/api/auth/signup", json={**GOOD, "handle": "MEI"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_exists"


async def test_login_sets_safe_cookie(client: httpx.AsyncClient) -> None:
    """Login returns a token and an HttpOnly, SameSite session cookie."""
    await client.post("/api/auth/signup", json=GOOD)
    response = await client.post(
        "/api/auth/login", json={"handle": "mei", "password": "correct horse"}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "lc_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_wrong_password(client: httpx.AsyncClient) -> None:
    """A wrong password or unknown handle is a 401 with the same message."""
    await client.post("/api/auth/signup", json=GOOD)
    wrong = await client.post("/api/auth/login", json={"handle": "mei", "password": "nope nope"})
    unknown = await client.post("/api/auth/login", json={"handle": "zed", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_login_attempts_are_limited(client: httpx.AsyncClient) -> None:
    """Past the per-minute limit, login answers 429 with Retry-After, even if right."""
    await client.post("/api/auth/signup", json=GOOD)
    for _ in range(5):  # the test settings allow 5 a minute
        await client.post("/api/auth/login", json={"handle": "mei", "password": "bad password"})
    response = await client.post(
        "/api/auth/login", json={"handle": "mei", "password": "correct horse"}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer a.b", "Basic Zm9vOmJhcg==", "Bearer ", ""],
)
async def test_me_needs_a_valid_token(client: httpx.AsyncClient, header: str) -> None:
    """/api/me without a valid bearer token is a 401."""
    response = await client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_expired_token(client: httpx.AsyncClient, app: object) -> None:
    """An expired token is refused."""
    from fastapi import FastAPI

    from livecommerce.accounts.tokens import Principal

    assert isinstance(app, FastAPI)
    account = await signup(client, "old")
    tokens = app.state.resources.tokens
    stale = tokens.issue(Principal(account.id, "old", "viewer"), now=0)
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {stale}"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "token expired"


async def test_cookie_writes_need_csrf_token(client: httpx.AsyncClient) -> None:
    """A cookie-authenticated write without the CSRF header is refused; with it, it works."""
    merchant = await signup(client, "shop", "merchant")
    client.cookies.set("lc_session", merchant.token)
    product = {"title": "Tea", "price_cents": 100, "stock": 1}
    refused = await client.post("/api/products", json=product)
    assert refused.status_code == 403
    csrf = (await client.get("/api/me")).json()["csrf_token"]
    accepted = await client.post("/api/products", json=product, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


async def test_logout_clears_cookie(client: httpx.AsyncClient) -> None:
    """Logout expires the session cookie."""
    response = await client.post("/api/auth/logout")
    assert response.status_code == 204
    assert 'lc_session=""' in response.headers["set-cookie"]


async def _fail(client: httpx.AsyncClient, handle: str, **headers: str) -> int:
    body = {"handle": handle, "password": "bad password"}
    return (await client.post("/api/auth/login", json=body, headers=headers)).status_code


async def test_failures_for_other_handles_do_not_lock_out_a_correct_login(
    client: httpx.AsyncClient,
) -> None:
    """11 failed logins for other handles from one address (behind a proxy: every user)
    leave a correct login from that address working (issue 13, item 12)."""
    await client.post("/api/auth/signup", json=GOOD)
    for attempt in range(11):
        assert await _fail(client, f"other{attempt % 3}") == 401
    response = await client.post(
        "/api/auth/login", json={"handle": "mei", "password": "correct horse"}
    )
    assert response.status_code == 200, response.text


async def test_many_failures_from_one_address_are_limited(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """The per-address bucket still stops one password tried on many handles; correct
    logins do not use it up."""
    app.state.resources.settings.login_failures_per_address_per_minute = 3
    await client.post("/api/auth/signup", json=GOOD)
    good = {"handle": "mei", "password": "correct horse"}
    for _ in range(4):
        assert (await client.post("/api/auth/login", json=good)).status_code == 200
    assert [await _fail(client, f"h{n}") for n in range(4)] == [401, 401, 401, 429]


async def test_a_trusted_proxy_names_the_client(client: httpx.AsyncClient, app: FastAPI) -> None:
    """Behind a trusted proxy each client has its own address bucket; a client cannot
    pick its own address when the peer is not a trusted proxy."""
    settings = app.state.resources.settings
    settings.login_failures_per_address_per_minute = 2
    spoofed = [
        await _fail(client, f"s{n}", **{"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(3)
    ]
    assert spoofed == [401, 401, 429]  # the test client's peer, 127.0.0.1, is not trusted yet
    settings.trusted_proxies = ["127.0.0.0/8"]
    first = {"X-Forwarded-For": "203.0.113.7, 127.0.0.5"}
    assert [await _fail(client, f"a{n}", **first) for n in range(3)] == [401, 401, 429]
    assert await _fail(client, "b0", **{"X-Forwarded-For": "203.0.113.8"}) == 401
