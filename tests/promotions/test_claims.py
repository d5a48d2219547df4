"""Claiming dropped coupons through the API, in every shape: limits, windows, the crowd,
and the rows as the authority."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from livecommerce.errors import CouponExhausted, Unavailable
from livecommerce.promotions import drops
from livecommerce.promotions.claims import claim_coupon
from livecommerce.promotions.commands import rebuild_gate
from livecommerce.promotions.desk import Coupons
from livecommerce.promotions.gate import ClaimResult, DropRef, GateDrop, MemoryClaimGate
from livecommerce.storage.models import CouponClaim, CouponDrop, utcnow
from tests.orders.conftest import Recorder
from tests.promotions._shop import claim, dropped, live_show, template
from tests.sql import statements
from tests.users import signup


def _coupons(app: FastAPI) -> Coupons:
    coupons: Coupons = app.state.resources.coupons
    return coupons


async def test_claim_once_then_limit(client: httpx.AsyncClient) -> None:
    """A claim returns the coupon; the same key returns it again; a second key is over
    the per-buyer limit; nobody's count moves on a refusal."""
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=5)
    assert (drop["remaining"], drop["open"]) == (5, True)
    bob = await signup(client, "bob")
    first = await claim(client, bob, drop["id"], "a")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "available"
    again = await claim(client, bob, drop["id"], "a")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    over = await claim(client, bob, drop["id"], "b")
    assert (over.status_code, over.json()["error"]["code"]) == (409, "coupon_limit_reached")
    listed = (await client.get(f"/api/rooms/{show.room_id}/coupons")).json()["drops"]
    assert [(d["id"], d["claimed"], d["remaining"]) for d in listed] == [(drop["id"], 1, 4)]


async def test_exhausted_and_closed(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A drained drop answers coupon_exhausted; past its window, and after the show
    ends, coupon_closed; no refusal gives a coupon or moves a drop's count."""
    show = await live_show(client)
    one = await dropped(client, show, total_quantity=1)
    timed = await dropped(client, show, claim_window="minutes", claim_minutes=5)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    assert (await claim(client, bob, one["id"])).status_code == 201
    gone = await claim(client, eve, one["id"])
    assert (gone.status_code, gone.json()["error"]["code"]) == (409, "coupon_exhausted")
    coupons = _coupons(app)
    coupons.clock = lambda: utcnow() + timedelta(minutes=6)
    late = await claim(client, eve, timed["id"])
    assert late.json()["error"]["code"] == "coupon_closed"
    coupons.clock = utcnow
    live = await dropped(client, show)
    await client.post(f"/api/rooms/{show.room_id}/end", headers=show.host.headers)
    ended = await claim(client, eve, live["id"])
    assert ended.json()["error"]["code"] == "coupon_closed"
    listed = (await client.get(f"/api/rooms/{show.room_id}/coupons")).json()["drops"]
    assert {d["id"]: d["claimed"] for d in listed} == {one["id"]: 1, timed["id"]: 0, live["id"]: 0}
    url = f"/api/coupons/claims?merchant_id={show.shop.id}"
    mine = (await client.get(url, headers=eve.headers)).json()
    assert mine["claims"] == []


async def test_crowd_claims_exactly_the_quantity(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Forty viewers, each twice at once, on ten coupons: exactly ten claims, one per
    buyer at most, and the drop's counter equals its rows."""
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=10)
    viewers = [await signup(client, f"viewer{i}") for i in range(40)]
    answers = await asyncio.gather(
        *(claim(client, v, drop["id"], key) for v in viewers for key in ("x", "y"))
    )
    won = [a.json()["user_id"] for a in answers if a.status_code == 201]
    assert len(won) == 10 and len(set(won)) == 10
    codes = {a.json()["error"]["code"] for a in answers if a.status_code != 201}
    assert codes <= {"coupon_exhausted", "coupon_limit_reached"}
    async with app.state.resources.db.read() as session:
        assert await drops.count_claims(session, drop["id"]) == 10
        row = await session.scalar(select(CouponDrop).where(CouponDrop.id == drop["id"]))
        assert row is not None and row.claimed == 10


async def test_winners_are_written_together(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Winners arriving at once share transactions: fewer updates of the drop than
    winners, yet every winner has its own row, ordinal 1, and its repeat answers it."""
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=30)
    viewers = [await signup(client, f"viewer{i}") for i in range(30)]
    with statements(app.state.resources.db.engine) as sent:
        answers = await asyncio.gather(*(claim(client, v, drop["id"], "k") for v in viewers))
    updates = [s for s in sent if s.startswith("UPDATE coupon_drop")]
    assert [a.status_code for a in answers] == [201] * 30
    assert 1 <= len(updates) < 30
    assert sorted(a.json()["user_id"] for a in answers) == sorted(v.id for v in viewers)
    async with app.state.resources.db.read() as session:
        ordinals = (await session.scalars(
            select(CouponClaim.ordinal).where(CouponClaim.drop_id == drop["id"])
        )).all()  # fmt: skip
        row = await session.scalar(select(CouponDrop).where(CouponDrop.id == drop["id"]))
    assert ordinals == [1] * 30 and row is not None and row.claimed == 30
    again = await claim(client, viewers[7], drop["id"], "k")
    assert again.status_code == 200 and again.json()["id"] == answers[7].json()["id"]


async def test_rows_are_the_authority(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A gate that forgot every claim lets attempts through, and the database still
    refuses past the limit and the quantity; a rebuild from the rows brings it back."""
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=2)
    bob, eve, ann = [await signup(client, n) for n in ("bob", "eve", "ann")]
    assert (await claim(client, bob, drop["id"])).status_code == 201
    coupons = _coupons(app)
    ref = DropRef(show.room_id, drop["id"])
    await coupons.gate.load(GateDrop(ref, 2, 1, None))  # a gate that forgot the claim
    bob_again = await claim(client, bob, drop["id"], "other")
    assert bob_again.json()["error"]["code"] == "coupon_limit_reached"
    assert (await claim(client, eve, drop["id"])).status_code == 201
    ann_late = await claim(client, ann, drop["id"])
    assert ann_late.json()["error"]["code"] == "coupon_exhausted"
    await rebuild_gate(coupons, drop_id=drop["id"])
    state = await coupons.gate.snapshot(ref)
    assert state is not None
    assert (state.claimed, dict(state.buyers)) == (2, {bob.id: 1, eve.id: 1})
    async with coupons.db.read() as session:
        row = await session.get(CouponDrop, drop["id"])
        assert row is not None and row.claimed == await drops.count_claims(session, row.id)


async def test_gate_down_the_database_decides(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Without a gate answer (unreachable), claims are judged by the database alone."""
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=1)
    coupons = _coupons(app)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")

    class Down(MemoryClaimGate):
        async def claim(self, *args: object, **kwargs: object) -> ClaimResult:
            raise Unavailable("down")

    coupons.gate, real = Down(), coupons.gate
    try:
        placed = await claim_coupon(coupons, buyer_id=bob.id, drop_id=drop["id"], key="k")
        assert placed.created
        with pytest.raises(CouponExhausted):
            await claim_coupon(coupons, buyer_id=eve.id, drop_id=drop["id"], key="k")
    finally:
        coupons.gate = real


async def test_the_host_lists_droppable_templates(client: httpx.AsyncClient) -> None:
    """The studio's list: the merchant's templates for this room or any room."""
    show = await live_show(client)
    drop = await dropped(client, show)
    url = f"/api/coupons/templates?room_id={show.room_id}"
    listed = await client.get(url, headers=show.host.headers)
    assert listed.status_code == 200, listed.text
    assert [t["id"] for t in listed.json()["templates"]] == [drop["template_id"]]
    viewer = await signup(client, "bob")
    assert (await client.get(url, headers=viewer.headers)).status_code == 403


async def test_events_of_a_drop(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A drop is announced to the room, each claim to its claimer alone, the last coupon
    as sold out."""
    resources = app.state.resources
    recorder = Recorder()
    resources.db.sink = recorder
    show = await live_show(client)
    drop = await dropped(client, show, total_quantity=2)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    for who in (bob, eve):
        assert (await claim(client, who, drop["id"])).status_code == 201
    room_events = [(t, d) for r, t, d in recorder.events if r == show.room_id]
    types = [t for t, _ in room_events]
    assert types.count("coupon.dropped") == 1 and types.count("coupon.sold_out") == 1
    private = [(u, t) for _, u, t, _ in recorder.private if t == "coupon.claimed"]
    assert private == [(bob.id, "coupon.claimed"), (eve.id, "coupon.claimed")]


async def test_claim_until_a_time(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A drop claimable until a time closes then; a time already past is refused."""
    show = await live_show(client)
    soon = (utcnow() + timedelta(minutes=1)).isoformat()
    drop = await dropped(client, show, claim_window="until", claim_until=soon)
    assert drop["claim_ends_at"] is not None
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    assert (await claim(client, bob, drop["id"])).status_code == 201
    coupons = _coupons(app)
    coupons.clock = lambda: utcnow() + timedelta(minutes=2)
    assert (await claim(client, eve, drop["id"])).json()["error"]["code"] == "coupon_closed"
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    refused = await template(client, show.shop, claim_window="until", claim_until=past)
    assert refused.status_code == 422
