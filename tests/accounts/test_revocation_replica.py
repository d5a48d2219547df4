"""Each node's in-memory replica of revoked tokens (``accounts.revocation``): a check
does no I/O; other nodes, restarted nodes and nodes that lost Redis for a while still
refuse what was revoked, within the refresh interval."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from livecommerce.accounts.revocation import Revocations
from livecommerce.accounts.shared_revocations import SharedRevocations
from livecommerce.accounts.tokens import Claims
from livecommerce.app import create_app
from livecommerce.errors import NotAuthenticated, Unavailable
from livecommerce.resources import Resources
from livecommerce.storage.keys import Keys
from livecommerce.supervisor import Supervisor
from tests.faults.redis_servers import PrivateRedis, private_redis
from tests.sql import statements
from tests.users import signup

PASSWORD = "correct horse"
SCALED = pytest.mark.parametrize("shape", ["scaled"], indirect=True)


class CountingRedis(Redis):
    """A real client that records the name of every command it sends."""

    sent: list[str]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]))
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


def counting_redis(url: str | None) -> CountingRedis:
    assert url is not None
    redis = CountingRedis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    assert isinstance(redis, CountingRedis)
    redis.sent = []
    return redis


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _refused(node: Revocations, claims: Claims) -> bool:
    try:
        await node.check(claims)
    except NotAuthenticated:
        return True
    return False


def _claims(resources: Resources, token: str) -> Claims:
    return resources.tokens.read(token)


@pytest.fixture
def own_redis() -> Iterator[PrivateRedis]:
    server = private_redis()
    try:
        yield server
    finally:
        server.remove()


async def test_a_fresh_replica_checks_with_no_redis_command_nor_sql(
    app: FastAPI, client: httpx.AsyncClient, shape: str
) -> None:
    """Once refreshed, checks send nothing to Redis or the database (both shapes), and a
    refresh with nothing new is one small command."""
    resources: Resources = app.state.resources
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    await resources.revocations.revoke(_claims(resources, eve.token))
    await resources.revocations.revoke_all(bob.id)
    redis = counting_redis(resources.settings.redis_url) if shape == "scaled" else None
    node = resources.revocations
    if redis is not None:
        node = Revocations(resources.db, SharedRevocations(redis, resources.keys),
                           cache_seconds=60)  # fmt: skip
        await node.refresh()  # everything
        await node.refresh()  # the changes since (none): its script is loaded now
        redis.sent.clear()
    again = _claims(resources, resources.tokens.issue(_claims(resources, bob.token).principal,
                                                      generation=1))  # fmt: skip
    with statements(resources.db.engine) as sent:
        for _ in range(50):
            assert await _refused(node, _claims(resources, bob.token))  # logged out everywhere
            assert await _refused(node, _claims(resources, eve.token))  # logged out
            assert not await _refused(node, again)
    assert sent == []
    if redis is not None:
        assert redis.sent == []
        await node.refresh()
        assert redis.sent == ["EVALSHA"]
        await redis.aclose()


@SCALED
async def test_a_revocation_is_refused_on_another_node_after_its_refresh(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Node B learns node A's logouts at its next refresh, which reads only the change;
    with its loop running that is within ``cache_seconds``."""
    resources: Resources = app.state.resources
    bob, eve, mei = [await signup(client, name) for name in ("bob", "eve", "mei")]
    redis = counting_redis(resources.settings.redis_url)
    a = resources.revocations
    b = Revocations(resources.db, SharedRevocations(redis, resources.keys), cache_seconds=60)
    await b.refresh()
    await b.refresh()
    token = _claims(resources, bob.token)
    await a.revoke(token)
    await a.revoke_all(eve.id)
    assert await _refused(a, token)  # at once on the node that logged out
    assert not await _refused(b, token)  # B has not refreshed yet
    redis.sent.clear()
    await b.refresh()
    assert redis.sent == ["EVALSHA"]
    assert await _refused(b, token) and await _refused(b, _claims(resources, eve.token))
    await redis.aclose()
    assert resources.redis is not None
    looping = Revocations(resources.db, SharedRevocations(resources.redis, resources.keys),
                          cache_seconds=0.4)  # fmt: skip
    await looping.refresh()
    supervisor = Supervisor()
    supervisor.spawn(looping.run(), "test-revocations")
    try:
        await a.revoke(_claims(resources, mei.token))
        async with asyncio.timeout(0.4 + 0.5):  # the interval, and slack for a busy box
            while not await _refused(looping, _claims(resources, mei.token)):  # noqa: ASYNC110 - another task refreshes
                await asyncio.sleep(0.02)
    finally:
        await supervisor.stop()


@SCALED
async def test_a_restarted_node_refuses_old_revoked_tokens(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A node that starts after a logout (an empty replica) refuses the token from its
    first request, as it does tokens of a user logged out everywhere."""
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    assert (await client.post("/api/auth/logout", headers=bob.headers)).status_code == 204
    assert (await client.post("/api/auth/logout-all", headers=eve.headers)).status_code == 204
    restarted = create_app(app.state.resources.settings)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for who in (bob, eve):
                assert (await c.get("/api/me", headers=who.headers)).status_code == 401
            again = await c.post("/api/auth/login", json={"handle": "eve", "password": PASSWORD})
            token = again.json()["token"]
            me = await c.get("/api/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200


def _own_node(app: FastAPI, server: PrivateRedis, clock: Clock) -> tuple[Revocations, Redis]:
    redis = Redis.from_url(server.url, socket_connect_timeout=0.5, socket_timeout=0.5)
    shared = SharedRevocations(redis, Keys("own:"))
    node = Revocations(app.state.resources.db, shared, cache_seconds=1, stale_seconds=10,
                       clock=clock)  # fmt: skip
    return node, redis


@SCALED
async def test_redis_down_keeps_the_replica_for_a_while_then_checks_fail_closed(
    app: FastAPI, client: httpx.AsyncClient, own_redis: PrivateRedis
) -> None:
    """With Redis gone a node answers from its last replica (and the user rows) for
    ``stale_seconds`` past its cache time, then refuses to check (503) until Redis is
    back; then what it knew is shared again with the emptied Redis."""
    resources: Resources = app.state.resources
    bob, eve, mei = [await signup(client, name) for name in ("bob", "eve", "mei")]
    clock = Clock()
    a, a_redis = _own_node(app, own_redis, clock)
    b, b_redis = _own_node(app, own_redis, clock)
    await a.refresh()
    await b.refresh()
    logged_out = _claims(resources, bob.token)
    await a.revoke(logged_out)
    clock.now += 1
    await b.refresh()
    own_redis.stop()
    with pytest.raises(Unavailable):  # everywhere: the user row is raised, Redis is not
        await a.revoke_all(eve.id)
    for step in (2, 5, 4):  # 11 s in all: within cache (1) + stale (10) seconds
        clock.now += step
        assert await _refused(b, logged_out)
        assert await _refused(b, _claims(resources, eve.token))  # read from the user row
        assert not await _refused(b, _claims(resources, mei.token))
    clock.now += 1
    with pytest.raises(Unavailable):
        await b.check(_claims(resources, mei.token))
    own_redis.start()  # back, and empty
    clock.now += 1
    assert not await _refused(b, _claims(resources, mei.token))
    assert await _refused(b, logged_out)
    fresh, fresh_redis = _own_node(app, own_redis, clock)
    assert await _refused(fresh, logged_out)  # b told the new Redis what it knew
    assert await _refused(fresh, _claims(resources, eve.token))
    for redis in (a_redis, b_redis, fresh_redis):
        await redis.aclose()
