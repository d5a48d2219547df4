"""A draw's prizes: coupons given at the close, and product prizes claimed to an address
of the winner's book, shipped like any paid order; in both shapes."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.draws import commands
from livecommerce.promotions import grants
from livecommerce.storage.models import CouponDrop, Draw
from tests.draws._world import FLUSH, World, world_with_fans
from tests.routes._live import Viewer
from tests.users import Account, address, signup


async def _template(world: World, **terms: Any) -> dict[str, Any]:
    body = {"title": "50 off", "kind": "fixed", "amount_off_cents": 5000, "valid_minutes": 60,
            **terms}  # fmt: skip
    made = await world.client.post("/api/coupons/templates", json=body, headers=world.shop.headers)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def _enter_all(fans: dict[str, Account], sockets: dict[str, Viewer]) -> None:
    for name in fans:
        await sockets[name].send("chat.send", {"body": "抽我"})
        await sockets[name].next("chat.accepted")
    await asyncio.sleep(FLUSH)


def _coupon(world: World, template_id: int, winners: int) -> dict[str, Any]:
    return {"prize_kind": "coupon", "product_id": None, "coupon_template_id": template_id,
            "winners": winners}  # fmt: skip


async def test_a_coupon_prize_is_given_at_the_close(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Each winner holds the template's coupon at once (said in draw.won), usable on the
    shelf; no claim, no stock, no pass-on; the batch is not claimable by anyone else."""
    async with AsyncExitStack() as stack:
        names = ["amy", "bob", "cat"]
        world, fans, sockets = await world_with_fans(app, client, stack, names)
        template = await _template(world)
        started = await world.start(**_coupon(world, template["id"], winners=2))
        assert started.status_code == 201, started.text
        card = started.json()
        assert card["prize"]["kind"] == "coupon" and card["prize"]["value_cents"] == 5000
        assert card["prize"]["coupon_template_id"] == template["id"]
        await _enter_all(fans, sockets)
        closed = (await world.close(sockets["amy"]))["data"]
        winners = {p["user"]["id"] for p in closed["picks"]}
        by_id = {a.id: (n, a) for n, a in fans.items()}
        name, winner = by_id[sorted(winners)[0]]
        won = (await sockets[name].next("draw.won"))["data"]
        coupon = won["coupon"]
        assert (won["order_id"], won["claim_by"], coupon["template_id"]) == (
            None, None, template["id"]
        )  # fmt: skip
        mine = (await client.get(
            "/api/coupons/claims", params={"merchant_id": world.shop.id}, headers=winner.headers
        )).json()["claims"]  # fmt: skip
        assert [c["id"] for c in mine] == [coupon["claim_id"]]
        assert mine[0]["expires_at"] == coupon["expires_at"]
        quote = await client.post(
            f"/api/rooms/{world.room_id}/products/{world.product_id}/quote",
            json={"quantity": 3, "coupon_claim_id": coupon["claim_id"]},
            headers=winner.headers,
        )
        assert quote.status_code == 200, quote.text
        assert quote.json()["discount_cents"] == 5000
        [loser] = [a for a in fans.values() if a.id not in winners]
        theirs = (await client.get(
            "/api/coupons/claims", params={"merchant_id": world.shop.id}, headers=loser.headers
        )).json()["claims"]  # fmt: skip
        assert theirs == []
        gate = await client.post(
            f"/api/coupons/drops/{mine[0]['drop_id']}/claims",
            headers={**loser.headers, "Idempotency-Key": "steal"},
        )
        assert (gate.status_code, gate.json()["error"]["code"]) == (409, "coupon_closed")
        listed = (await client.get(f"/api/rooms/{world.room_id}/coupons")).json()["drops"]
        assert listed == []
        view = (await client.get(f"/api/draws/{card['id']}")).json()
        assert [p["status"] for p in view["picks"]] == ["claimed", "claimed"]
        world.advance(48 * 3600 + 1)
        assert await commands.pass_on_due(world.desk) == 0
        assert await world.stock() == 10


async def test_a_retried_grant_gives_the_same_coupon(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The grant's key is the draw and the winner: asked again, it answers with the coupon
    it gave and the batch's count does not move."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(app, client, stack, ["amy"])
        template = await _template(world)
        draw_id = (await world.start(**_coupon(world, template["id"], winners=1))).json()["id"]
        await _enter_all(fans, sockets)
        await world.close(sockets["amy"])
        won = (await sockets["amy"].next("draw.won"))["data"]["coupon"]
        db = app.state.resources.db
        async with db.unit_of_work() as uow:
            draw = await uow.session.get(Draw, draw_id)
            assert draw is not None and draw.coupon_drop_id is not None
            again = await grants.grant(
                uow, drop_id=draw.coupon_drop_id, buyer_id=fans["amy"].id,
                key=f"draw:{draw_id}:{fans['amy'].id}", now=world.desk.now(),
            )  # fmt: skip
            batch = await uow.session.get(CouponDrop, draw.coupon_drop_id)
        assert again.id == won["claim_id"]
        assert batch is not None and (batch.claimed, batch.quantity, batch.private) == (1, 1, True)


async def test_coupon_prizes_are_checked_at_the_start(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The cap counts a coupon's most off; another shop's or another show's template is
    refused; nothing is reserved by a refused start."""
    async with AsyncExitStack() as stack:
        world, _, _ = await world_with_fans(app, client, stack, [])
        rich = await _template(world, kind="percent", percent_off=50,
                               max_discount_cents=5_000_001)  # fmt: skip
        rival = await signup(client, "rival", "merchant")
        theirs = await client.post(
            "/api/coupons/templates", headers=rival.headers,
            json={"title": "x", "kind": "fixed", "amount_off_cents": 100},
        )  # fmt: skip
        cases = [
            (rich["id"], 422, "prize_over_cap"),
            (theirs.json()["id"], 404, "not_found"),
        ]
        for template_id, status, code in cases:
            refused = await world.start(**_coupon(world, template_id, winners=1))
            assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
        async with app.state.resources.db.read() as session:
            assert await session.get(CouponDrop, 1) is None
        capped = await _template(world, kind="percent", percent_off=50,
                                 max_discount_cents=5_000_000)  # fmt: skip
        assert (await world.start(**_coupon(world, capped["id"], winners=1))).status_code == 201


async def _won_product(
    app: FastAPI, client: httpx.AsyncClient, stack: AsyncExitStack
) -> tuple[World, Account, int, int]:
    world, fans, sockets = await world_with_fans(app, client, stack, ["amy"])
    draw_id = (await world.start()).json()["id"]
    await _enter_all(fans, sockets)
    await world.close(sockets["amy"])
    order_id = (await sockets["amy"].next("draw.won"))["data"]["order_id"]
    return world, fans["amy"], draw_id, order_id


async def test_a_product_prize_ships_to_an_address_of_the_book(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """No address: address_required and nothing changes; someone else's address is not
    found; the chosen one is copied onto the order, which the merchant then ships."""
    async with AsyncExitStack() as stack:
        world, amy, draw_id, order_id = await _won_product(app, client, stack)
        url = f"/api/draws/{draw_id}/claim"
        bare = await client.post(url, json={}, headers=amy.headers)
        assert (bare.status_code, bare.json()["error"]["code"]) == (422, "address_required")
        assert (await client.get(f"/api/draws/{draw_id}")).json()["picks"][0]["status"] == "won"
        await address(client, amy, name="Li Lei")
        office = await address(client, amy, name="Han Meimei", phone="13900001111",
                               detail="2 Huaihai Rd")  # fmt: skip
        stranger = await signup(client, "stranger")
        not_mine = await address(client, stranger)
        foreign = await client.post(url, json={"address_id": not_mine["id"]}, headers=amy.headers)
        assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "not_found")
        claimed = await client.post(url, json={"address_id": office["id"]}, headers=amy.headers)
        assert claimed.status_code == 200, claimed.text
        assert claimed.json()["picks"][0]["status"] == "claimed"
        again = await client.post(url, json={}, headers=amy.headers)
        assert again.status_code == 200
        order = (await client.get(f"/api/orders/{order_id}", headers=amy.headers)).json()
        assert order["status"] == "paid"
        assert order["address"] == {"name": "Han Meimei", "phone": "13900001111",
                                    "region": "Shanghai", "detail": "2 Huaihai Rd"}  # fmt: skip
        listed = (await client.get("/api/merchant/orders", headers=world.shop.headers)).json()
        [row] = [o for o in listed["orders"] if o["id"] == order_id]
        assert row["address"]["phone"] == "139****1111"
        shipped = await client.post(
            f"/api/merchant/orders/{order_id}/ship", headers=world.shop.headers,
            json={"carrier": "SF", "tracking_number": "SF100"},
        )  # fmt: skip
        assert shipped.status_code == 200, shipped.text
        assert shipped.json()["status"] == "shipped"


async def test_a_claim_without_an_address_id_uses_the_default(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """One tap: with no address named, the default address is the one copied."""
    async with AsyncExitStack() as stack:
        _, amy, draw_id, order_id = await _won_product(app, client, stack)
        await address(client, amy, name="Other")
        home = await address(client, amy, name="Home", is_default=True)
        assert home["is_default"]
        claimed = await client.post(f"/api/draws/{draw_id}/claim", json={}, headers=amy.headers)
        assert claimed.status_code == 200, claimed.text
        order = (await client.get(f"/api/orders/{order_id}", headers=amy.headers)).json()
        assert (order["status"], order["address"]["name"]) == ("paid", "Home")
