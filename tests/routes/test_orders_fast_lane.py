"""The purchase fast lane answers as the route does, byte for byte, without the route.

The route's own answer is obtained by sending the same request with
``Content-Type: application/json; charset=utf-8``: FastAPI parses that body the same
way, and the fast lane leaves every request it does not accept exactly to the route.
A spy on the route's ``get_resources`` dependency tells which of the two answered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import event

from livecommerce.accounts.tokens import Principal
from livecommerce.resources import Resources
from livecommerce.routes.deps import get_resources
from tests.routes.test_orders import live_sale
from tests.routes.test_sales import launch, shop_with_room
from tests.users import Account, signup

JSON = "application/json"
ROUTE_ONLY = "application/json; charset=utf-8"


@pytest.fixture
def reached(app: FastAPI) -> Iterator[list[str]]:
    """Paths of the requests that reached a route."""
    paths: list[str] = []

    async def spy(request: Request) -> Resources:
        paths.append(request.url.path)
        resources: Resources = request.app.state.resources
        return resources

    app.dependency_overrides[get_resources] = spy
    yield paths
    app.dependency_overrides.clear()


async def attempt(
    client: httpx.AsyncClient,
    buyer: Account,
    sale_id: int,
    key: str,
    quantity: Any = 1,
    *,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {**buyer.headers, "Idempotency-Key": key, "Content-Type": content_type,
            "X-Request-ID": "same-request-id", **(headers or {})}  # fmt: skip
    body = json.dumps({"quantity": quantity}).encode()
    return await client.post(f"/api/sales/{sale_id}/orders", content=body, headers=sent)


def same_bytes(fast: httpx.Response, route: httpx.Response) -> None:
    assert (fast.status_code, fast.headers.raw, fast.content) == (
        route.status_code,
        route.headers.raw,
        route.content,
    )


async def sold_out_sale(app: FastAPI, client: httpx.AsyncClient, **terms: Any) -> int:
    """A sale whose one unit is taken, once this node has read who holds it."""
    sale_id = await live_sale(client, quantity=1, per_user_limit=1, **terms)
    winner = await signup(client, "winner")
    assert (await attempt(client, winner, sale_id, "won")).status_code == 201
    checkout = app.state.resources.checkout
    for _ in range(200):
        mark = checkout.sold_out(sale_id)
        if mark is not None and mark.holders is not None:
            return sale_id
        await asyncio.sleep(0.005)
    raise AssertionError("the sale never looked sold out here")


async def test_sold_out_is_answered_without_the_route_or_sql(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """After the sell-out, refusals come from the fast lane: no route, no SQL."""
    sale_id = await sold_out_sale(app, client)
    buyers = [await signup(client, f"late{i}") for i in range(3)]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.state.resources.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    reached.clear()
    try:
        answers = [await attempt(client, b, sale_id, "late") for b in buyers]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [a.json()["error"]["code"] for a in answers] == ["sold_out"] * 3
    assert (reached, statements) == ([], [])
    sold_out = app.state.resources.metrics.registry.get_sample_value(
        "lc_orders_total", {"outcome": "sold_out"}
    )
    assert sold_out == 3


async def test_refusals_are_the_routes_bytes(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Sold out, over the limit, a bad quantity and a bad key: same status, headers, body."""
    sale_id = await sold_out_sale(app, client)
    cases: list[tuple[str, Any]] = [("k", 1), ("k", 2), ("k", 0), ("k", -5), ("x" * 81, 1)]
    for n, (key, quantity) in enumerate(cases):
        fast_buyer = await signup(client, f"fast{n}")
        route_buyer = await signup(client, f"route{n}")
        reached.clear()
        fast = await attempt(client, fast_buyer, sale_id, key, quantity)
        assert reached == [], (key, quantity)
        route = await attempt(client, route_buyer, sale_id, key, quantity, content_type=ROUTE_ONLY)
        assert len(reached) == 1
        same_bytes(fast, route)
        assert fast.status_code in (409, 422) and "error" in fast.json()


async def test_a_cancelled_sale_is_refused_alike(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Once this node knows a sale was cancelled, the fast lane refuses as the route."""
    shop, _, rid, pid = await shop_with_room(client, live=True)
    sale = (await launch(client, shop, rid, pid, countdown_seconds=600)).json()
    await client.post(f"/api/sales/{sale['id']}/cancel", headers=shop.headers)
    first, second = await signup(client, "bob"), await signup(client, "eve")
    route = await attempt(client, first, sale["id"], "k", content_type=ROUTE_ONLY)
    reached.clear()
    fast = await attempt(client, second, sale["id"], "k")
    assert reached == []
    same_bytes(fast, route)
    assert fast.json()["error"]["code"] == "sale_cancelled"


async def test_too_many_attempts_get_the_same_429(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A hammering buyer gets the route's 429 with Retry-After from the fast lane too."""
    sale_id = await sold_out_sale(app, client)
    fast_buyer, route_buyer = await signup(client, "fast"), await signup(client, "slow")
    fast = [await attempt(client, fast_buyer, sale_id, f"k{i}") for i in range(12)]
    route = [
        await attempt(client, route_buyer, sale_id, f"k{i}", content_type=ROUTE_ONLY)
        for i in range(12)
    ]
    fast_429 = next(r for r in fast if r.status_code == 429)
    route_429 = next(r for r in route if r.status_code == 429)
    same_bytes(fast_429, route_429)
    assert int(fast_429.headers["retry-after"]) >= 1


async def test_orders_placed_by_the_fast_lane_read_as_the_routes(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A new order is 201 and its repeat 200, with the route's body bytes."""
    sale_id = await live_sale(client, quantity=5, per_user_limit=2)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    reached.clear()
    created = await attempt(client, bob, sale_id, "k", 2)
    assert (created.status_code, reached) == (201, [])
    by_route = await attempt(client, eve, sale_id, "k", 2, content_type=ROUTE_ONLY)
    assert by_route.status_code == 201 and len(reached) == 1
    assert list(created.json()) == list(by_route.json())
    assert created.headers.raw[1:] == by_route.headers.raw[1:]  # all but content-length
    repeat_fast = await attempt(client, bob, sale_id, "k", 2)
    repeat_route = await attempt(client, bob, sale_id, "k", 2, content_type=ROUTE_ONLY)
    same_bytes(repeat_fast, repeat_route)
    assert repeat_fast.status_code == 200 and repeat_fast.content == created.content
    assert created.json()["total_cents"] == 2 * created.json()["unit_price_cents"]


async def both_alike(
    client: httpx.AsyncClient, reached: list[str], url: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """The fast lane's answer, checked against the route's for the same request."""
    headers = {**headers, "X-Request-ID": "same-request-id"}
    reached.clear()
    fast = await client.post(url, content=body, headers={**headers, "Content-Type": JSON})
    assert reached == [], url
    route = await client.post(url, content=body, headers={**headers, "Content-Type": ROUTE_ONLY})
    assert len(reached) == 1
    same_bytes(fast, route)
    return fast


async def test_cookie_buyers_need_the_csrf_token_there_too(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A session cookie is served with its CSRF token and refused (403) without it or
    with another session's, by the fast lane and the route alike."""
    sale_id = await sold_out_sale(app, client)
    buyer = await signup(client, "cookie")
    client.cookies.set("lc_session", buyer.token)
    resources = app.state.resources
    csrf = resources.csrf.issue(Principal(buyer.id, buyer.handle, buyer.role))
    other = resources.csrf.issue(Principal(buyer.id + 1, "x", "viewer"))
    url, body = f"/api/sales/{sale_id}/orders", b'{"quantity": 1}'
    try:
        answers = [
            await both_alike(client, reached, url, body, {"Idempotency-Key": k, **csrf_header})
            for k, csrf_header in [("k", {"X-CSRF-Token": csrf}), ("k2", {}),
                                   ("k3", {"X-CSRF-Token": other})]
        ]  # fmt: skip
    finally:
        client.cookies.clear()
    assert [a.status_code for a in answers] == [409, 403, 403]
    assert [a.json()["error"]["code"] for a in answers] == ["sold_out", "forbidden", "forbidden"]


async def test_malformed_attempts_are_answered_alike(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Bad tokens, bad JSON, strict-type misses, long or missing keys: the fast lane
    answers them itself, with the route's status, headers and body."""
    sale_id = await sold_out_sale(app, client)
    buyer = await signup(client, "bob")
    url = f"/api/sales/{sale_id}/orders"
    keyed = {**buyer.headers, "Idempotency-Key": "k"}
    cases: list[tuple[dict[str, str], bytes]] = [
        ({"Authorization": "Bearer not-a-token", "Idempotency-Key": "k"}, b'{"quantity": 1}'),
        ({"Idempotency-Key": "k"}, b'{"quantity": 1}'),
        (keyed, b"{not json"),
        (keyed, b'{"quantity": true}'),
        (keyed, b'{"quantity": 1.0}'),
        (keyed, b'{"quantity": 10000000000}'),
        (keyed, b'{"quantity": 1, "extra": 1}'),
        (keyed, b"[1]"),
        (keyed, b""),
        ({**buyer.headers, "Idempotency-Key": "x" * 201}, b'{"quantity": 1}'),
        (buyer.headers, b'{"quantity": 1}'),
    ]
    answers = [await both_alike(client, reached, url, body, h) for h, body in cases]
    codes = [a.status_code for a in answers]
    assert codes == [401, 401, 400] + [422] * 8
    assert all("error" in a.json() for a in answers)


async def test_what_the_fast_lane_does_not_take_goes_to_the_route(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Another media type and another method reach FastAPI, with its answers."""
    sale_id = await sold_out_sale(app, client)
    buyer = await signup(client, "bob")
    url = f"/api/sales/{sale_id}/orders"
    headers = {**buyer.headers, "Idempotency-Key": "k"}
    reached.clear()
    text = await client.post(
        url, content=b'{"quantity": 1}', headers={**headers, "Content-Type": "text/plain"}
    )
    assert (text.status_code, text.json()["error"]["code"], reached) == (
        422, "invalid_input", [url]
    )  # fmt: skip
    assert (await client.get(url, headers=headers)).status_code == 405
