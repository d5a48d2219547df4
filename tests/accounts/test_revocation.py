"""Revoking tokens before they expire: logout and "log out everywhere" (issue 13, item 15).

A revoked token must be refused on ``/api/me`` and on the purchase path, which the fast
lane (``routes/fast_lane.py``) answers by itself and the route answers otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from livecommerce.accounts.revocation import Revocations
from livecommerce.accounts.shared_revocations import SharedRevocations
from livecommerce.app import create_app
from livecommerce.errors import NotAuthenticated, Unavailable
from livecommerce.settings import Settings
from livecommerce.storage.keys import Keys
from tests.routes.test_orders import live_sale
from tests.routes.test_orders_fast_lane import JSON, ROUTE_ONLY, attempt
from tests.sql import statements
from tests.users import Account, signup
from tests.web.forms import HTML, csrf_field, page_signup

PASSWORD = "correct horse"


async def _login(client: httpx.AsyncClient, handle: str) -> Account:
    response = await client.post("/api/auth/login", json={"handle": handle, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    body = response.json()
    return Account(body["user"]["id"], handle, body["user"]["role"], body["token"])


async def _me(client: httpx.AsyncClient, who: Account) -> int:
    return (await client.get("/api/me", headers=who.headers)).status_code


async def _buys(client: httpx.AsyncClient, who: Account, sale_id: int, key: str) -> list[int]:
    """Status of a purchase through the fast lane, then through the route."""
    lane = await attempt(client, who, sale_id, f"{key}-lane", content_type=JSON)
    route = await attempt(client, who, sale_id, f"{key}-route", content_type=ROUTE_ONLY)
    return [lane.status_code, route.status_code]


async def test_logout_revokes_the_token_presented(client: httpx.AsyncClient) -> None:
    """After logout the token is refused on /api/me and both purchase paths; the same
    user's other token still works."""
    sale_id = await live_sale(client, quantity=10, per_user_limit=10)
    bob = await signup(client, "bob")
    other = await _login(client, "bob")
    assert await _buys(client, bob, sale_id, "before") == [201, 201]
    out = await client.post("/api/auth/logout", headers=bob.headers)
    assert out.status_code == 204
    me = await client.get("/api/me", headers=bob.headers)
    assert (me.status_code, me.json()["error"]["message"]) == (401, "token revoked")
    assert await _buys(client, bob, sale_id, "after") == [401, 401]
    again = await client.post("/api/auth/logout", headers=bob.headers)
    assert again.status_code == 204  # logging out twice is no error
    assert await _me(client, other) == 200
    assert await _buys(client, other, sale_id, "other") == [201, 201]


async def test_logout_revokes_the_session_cookie(client: httpx.AsyncClient) -> None:
    """A cookie kept after logout is no session: /api/me and buying with it are 401."""
    sale_id = await live_sale(client, quantity=10, per_user_limit=10)
    await signup(client, "bob")
    await client.post("/api/auth/login", json={"handle": "bob", "password": PASSWORD})
    cookie = client.cookies["lc_session"]
    csrf = (await client.get("/api/me")).json()["csrf_token"]
    assert (await client.post("/api/auth/logout")).status_code == 204
    client.cookies.set("lc_session", cookie)
    assert (await client.get("/api/me")).status_code == 401
    headers = {"Idempotency-Key": "k", "X-CSRF-Token": csrf}
    bought = await client.post(
        f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=headers
    )
    assert bought.status_code == 401


async def test_the_logout_form_revokes_the_cookie(client: httpx.AsyncClient) -> None:
    """Logging out from a page revokes the session, not only the browser's copy."""
    await page_signup(client, "mei", "viewer")
    cookie = client.cookies["lc_session"]
    page = await client.get("/", headers=HTML)
    done = await client.post("/logout", data={"csrf_token": csrf_field(page.text)}, headers=HTML)
    assert done.status_code == 303
    client.cookies.set("lc_session", cookie)
    assert (await client.get("/api/me")).status_code == 401


async def test_logout_everywhere(client: httpx.AsyncClient) -> None:
    """``logout-all`` refuses every token the user had; logging in again works."""
    sale_id = await live_sale(client, quantity=10, per_user_limit=10)
    phone, laptop = await signup(client, "bob"), await _login(client, "bob")
    eve = await signup(client, "eve")
    assert (await client.post("/api/auth/logout-all")).status_code == 401  # who?
    assert (await client.post("/api/auth/logout-all", headers=laptop.headers)).status_code == 204
    for token in (phone, laptop):
        assert await _me(client, token) == 401
        assert await _buys(client, token, sale_id, token.token[-6:]) == [401, 401]
    assert await _me(client, eve) == 200  # other users keep their sessions
    again = await _login(client, "bob")
    assert await _me(client, again) == 200
    assert await _buys(client, again, sale_id, "again") == [201, 201]


@asynccontextmanager
async def _node(settings: Settings, name: str) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    node = settings.model_copy(update={"node_id": name, "token_check_cache_seconds": 0.3})
    app = create_app(node)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c, app


async def _eventually(check: Callable[[], Any], expected: object, seconds: float = 2.0) -> None:
    """Wait for a node's cache to expire: ``check()`` must give ``expected`` in time."""
    async with asyncio.timeout(seconds):
        while (await check()) != expected:  # noqa: ASYNC110 - another node's cache
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_revocation_holds_on_every_node(settings: Settings) -> None:
    """Two nodes sharing PostgreSQL and Redis: a logout on one is refused on the other
    within the cache time, on /api/me and on the purchase path."""
    async with _node(settings, "a") as (a, _), _node(settings, "b") as (b, _):
        sale_id = await live_sale(a, quantity=20, per_user_limit=20)
        bob = await signup(a, "bob")
        phone = await _login(b, "bob")
        assert await _me(b, bob) == 200 and await _me(a, phone) == 200
        assert (await a.post("/api/auth/logout", headers=bob.headers)).status_code == 204
        assert await _me(a, bob) == 401  # at once on the node that logged out
        await _eventually(lambda: _me(b, bob), 401)
        assert await _buys(b, bob, sale_id, "b1") == [401, 401]
        assert await _buys(b, phone, sale_id, "b2") == [201, 201]
        assert (await b.post("/api/auth/logout-all", headers=phone.headers)).status_code == 204
        await _eventually(lambda: _me(a, phone), 401)
        assert await _buys(a, phone, sale_id, "a1") == [401, 401]


@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_another_node_checks_a_token_without_the_database(settings: Settings) -> None:
    """A node that never saw the buyer refuses their sold-out attempts with no SQL: the
    token's generation comes from Redis, written at login."""
    async with _node(settings, "a") as (a, _), _node(settings, "b") as (b, b_app):
        sale_id = await live_sale(a, quantity=1, per_user_limit=1)
        winner, loser = await signup(a, "win"), await signup(a, "lose")
        assert (await attempt(a, winner, sale_id, "w")).status_code == 201
        assert (await attempt(b, winner, sale_id, "w2")).json()["error"]["code"] == "sold_out"
        with statements(b_app.state.resources.db.engine) as sent:
            refused = await attempt(b, loser, sale_id, "l")
        assert refused.json()["error"]["code"] == "sold_out"
        assert sent == []


async def test_without_redis_checks_fall_back_and_revoking_says_so(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """With Redis unreachable a node still checks tokens (generation from the database,
    its own logouts), and a logout it cannot share answers 503, not 500."""
    bob = await signup(client, "bob")
    laptop = await _login(client, "bob")
    resources = app.state.resources
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        shared = SharedRevocations(dead, Keys("dead:"))
        node = Revocations(resources.db, shared, cache_seconds=5)
        claims = resources.tokens.read(bob.token)
        await node.check(claims)
        with pytest.raises(Unavailable):
            await node.revoke(claims)
        with pytest.raises(NotAuthenticated, match="revoked"):
            await node.check(claims)  # refused here at least
        with pytest.raises(Unavailable):
            await node.revoke_all(bob.id)
        with pytest.raises(NotAuthenticated, match="revoked"):
            await node.check(resources.tokens.read(laptop.token))
    finally:
        await dead.aclose()


async def test_a_login_racing_logout_all_does_not_revive_old_tokens(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A login that read the user row before "log out everywhere" committed reports the
    old generation afterwards: old tokens stay refused."""
    bob = await signup(client, "bob")
    resources = app.state.resources
    redis = resources.redis
    shared = SharedRevocations(redis, resources.keys) if redis is not None else None
    node = Revocations(resources.db, shared, cache_seconds=5)
    old = resources.tokens.read(bob.token)
    await node.check(old)
    late_login = resources.tokens.read(resources.tokens.issue(old.principal, generation=0))
    await node.revoke_all(bob.id)
    await node.issued(late_login)
    with pytest.raises(NotAuthenticated, match="revoked"):
        await node.check(old)
    fresh = Revocations(resources.db, shared, cache_seconds=5)
    with pytest.raises(NotAuthenticated, match="revoked"):
        await fresh.check(old)  # nor on a node that learns it from Redis or the row
