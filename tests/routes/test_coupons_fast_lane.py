"""The claim fast lane answers as the route does, byte for byte, without the route.

As for purchases (``test_orders_fast_lane``): the route's own answer is obtained by
sending the same claim with ``Content-Type: application/json; charset=utf-8``, which
the fast lane leaves to FastAPI, and a spy on ``get_resources`` tells which answered.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from tests.promotions._shop import dropped, live_show
from tests.routes.test_orders_fast_lane import JSON, ROUTE_ONLY, reached, same_bytes
from tests.users import Account, signup

__all__ = ["reached"]  # the fixture, shared with the purchase lane's tests


async def post_claim(
    client: httpx.AsyncClient, drop_id: int, headers: dict[str, str], body: bytes = b"",
    content_type: str | None = JSON,
) -> httpx.Response:  # fmt: skip
    sent = {**headers, "X-Request-ID": "same-request-id"}
    if content_type is not None:
        sent["Content-Type"] = content_type
    return await client.post(f"/api/coupons/drops/{drop_id}/claims", content=body, headers=sent)


def keyed(who: Account, key: str) -> dict[str, str]:
    return {**who.headers, "Idempotency-Key": key}


async def alike(
    client: httpx.AsyncClient, reached: list[str], drop_id: int, fast_headers: dict[str, str],
    route_headers: dict[str, str], body: bytes = b"",
) -> httpx.Response:  # fmt: skip
    """The fast lane's answer, checked byte for byte against the route's."""
    reached.clear()
    fast = await post_claim(client, drop_id, fast_headers, body)
    assert reached == [], fast.text
    route = await post_claim(client, drop_id, route_headers, body, ROUTE_ONLY)
    assert len(reached) == 1
    same_bytes(fast, route)
    return fast


async def drained(client: httpx.AsyncClient, **terms: Any) -> int:
    """A live drop of one coupon, already claimed."""
    drop = await dropped(client, await live_show(client), total_quantity=1, **terms)
    winner = await signup(client, "winner")
    assert (await post_claim(client, drop["id"], keyed(winner, "w"))).status_code == 201
    return int(drop["id"])


async def test_claims_and_repeats_read_as_the_routes(
    client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A new claim is 201 with the route's headers and fields; its repeat is 200, the
    same bytes by either way, and a bare claim (no Content-Type) takes the lane too."""
    drop = await dropped(client, await live_show(client), total_quantity=5)
    bob, eve, ann = [await signup(client, n) for n in ("bob", "eve", "ann")]
    reached.clear()
    created = await post_claim(client, drop["id"], keyed(bob, "k"))
    assert (created.status_code, reached) == (201, [])
    by_route = await post_claim(client, drop["id"], keyed(eve, "k"), b"", ROUTE_ONLY)
    assert by_route.status_code == 201 and len(reached) == 1
    assert list(created.json()) == list(by_route.json())
    assert created.headers.raw[1:] == by_route.headers.raw[1:]  # all but content-length
    bare = keyed(ann, "k")
    first = await post_claim(client, drop["id"], bare, content_type=None)
    assert first.status_code == 201 and len(reached) == 1
    repeat = await alike(client, reached, drop["id"], bare, bare)
    assert (repeat.status_code, repeat.content) == (200, first.content)


async def test_sold_out_is_answered_without_the_route_or_sql(
    app: FastAPI, client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Once the drop is gone, losers are answered by the gate alone: no route, no SQL,
    the route's very bytes."""
    drop_id = await drained(client)
    losers = [await signup(client, f"late{i}") for i in range(4)]
    statements: list[str] = []

    def count(*args: Any) -> None:
        if "coupon" in str(args[2]):  # the node's own loops sweep orders meanwhile
            statements.append(str(args[2]))

    engine = app.state.resources.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    reached.clear()
    try:
        answers = [await post_claim(client, drop_id, keyed(b, "late")) for b in losers[:3]]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (reached, statements) == ([], [])
    assert [a.json()["error"]["code"] for a in answers] == ["coupon_exhausted"] * 3
    route = await post_claim(client, drop_id, keyed(losers[3], "late"), b"", ROUTE_ONLY)
    same_bytes(answers[0], route)


async def test_over_the_limit_is_refused_alike(
    client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A buyer at the per-buyer limit gets the route's 409 from the lane."""
    drop = await dropped(client, await live_show(client), total_quantity=5, per_buyer_limit=1)
    bob = await signup(client, "bob")
    assert (await post_claim(client, drop["id"], keyed(bob, "a"))).status_code == 201
    over = await alike(client, reached, drop["id"], keyed(bob, "b"), keyed(bob, "c"))
    assert (over.status_code, over.json()["error"]["code"]) == (409, "coupon_limit_reached")


async def test_bad_bodies_keys_and_callers_are_answered_alike(
    client: httpx.AsyncClient, reached: list[str]
) -> None:
    """A claim's body is never read, by the lane or the route; a missing or bad key is
    422, a missing or bad token 401, an unknown drop 404: the same bytes either way."""
    drop_id = await drained(client)
    bob = await signup(client, "bob")
    bearer = bob.headers
    cases: list[tuple[int, dict[str, str], int, bytes]] = [
        (drop_id, keyed(bob, "k"), 409, b"{not json"),
        (drop_id, keyed(bob, "k"), 409, b'{"quantity": 50}'),
        (drop_id, bearer, 422, b""),
        (drop_id, keyed(bob, "x" * 81), 422, b""),
        (drop_id, keyed(bob, "with space"), 422, b""),
        (drop_id, {"Idempotency-Key": "k"}, 401, b""),
        (drop_id, {"Authorization": "Bearer not-a-token", "Idempotency-Key": "k"}, 401, b""),
        (10**9, keyed(bob, "k"), 404, b""),
    ]
    for target, headers, status, body in cases:
        answer = await alike(client, reached, target, headers, headers, body)
        assert answer.status_code == status, (headers, body, answer.text)
        assert "error" in answer.json()


async def test_what_the_lane_does_not_take_goes_to_the_route(
    client: httpx.AsyncClient, reached: list[str]
) -> None:
    """Another media type, another method and an id no row can have reach FastAPI."""
    drop_id = await drained(client)
    headers = keyed(await signup(client, "bob"), "k")
    url = f"/api/coupons/drops/{drop_id}/claims"
    reached.clear()
    text = await post_claim(client, drop_id, headers, b"hi", "text/plain")
    assert (text.status_code, text.json()["error"]["code"], reached) == (
        409, "coupon_exhausted", [url]
    )  # fmt: skip
    assert (await client.get(url, headers=headers)).status_code == 405
    zero = await post_claim(client, 0, headers)
    assert zero.status_code == 404 and reached[-1] == "/api/coupons/drops/0/claims"
