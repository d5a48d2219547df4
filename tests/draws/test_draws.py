"""Lucky draws through the API and the room socket, in both shapes."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.draws import commands, fairness
from tests.draws._world import FLUSH, join, knows_the_draw, make_world, world_with_fans
from tests.routes._live import viewer
from tests.users import address, signup


async def test_keyword_draw_picks_present_entrants_by_the_published_rule(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Keyword senders still in the room at the close enter (not a muted fan, not one who
    left, not a wrong word); the winners, seed and entrant hash verify; a winner hears it."""
    async with AsyncExitStack() as stack:
        names = ["amy", "bob", "cat", "dan", "eve", "fay"]
        world, fans, sockets = await world_with_fans(app, client, stack, names)
        host = await join(world, stack, world.host)
        await host.send("moderation.mute", {"user": fans["eve"].id, "seconds": 600})
        await host.next("moderation.muted")
        started = await world.start(winners=2)
        assert started.status_code == 201, started.text
        card = started.json()
        assert card["seed"] is None and len(card["commit"]) == 64
        assert (await sockets["amy"].next("draw.started"))["data"]["commit"] == card["commit"]
        for name in ["amy", "bob", "cat", "dan", "eve"]:
            await sockets[name].send("chat.send", {"body": " 抽我 "})
        await sockets["fay"].send("chat.send", {"body": "抽你"})
        assert (await sockets["eve"].next("error"))["data"]["code"] == "muted"
        for name in ["amy", "bob", "cat", "dan", "fay"]:
            await sockets[name].next("chat.accepted")
        await sockets.pop("dan").socket.close()  # leaves before the close
        await asyncio.sleep(FLUSH)
        closed = (await world.close(sockets["amy"]))["data"]
        expected = fairness.canonical_entrants(fans[n].id for n in ["amy", "bob", "cat"])
        assert closed["entrant_count"] == 3
        assert closed["entrants_hash"] == fairness.entrants_hash(expected)
        proof = (await client.get(f"/api/draws/{card['id']}/proof")).json()
        assert proof["entrants"] == expected and proof["seed"] == closed["seed"]
        verdict = fairness.verify(proof)
        assert verdict.ok, verdict.problems
        winners = [p["user"]["id"] for p in closed["picks"]]
        assert winners == verdict.winners and len(winners) == 2
        by_id = {a.id: n for n, a in fans.items()}
        won = await sockets[by_id[winners[0]]].next("draw.won")
        assert won["data"]["order_id"] and won["data"]["proof_url"] == f"/draws/{card['id']}/proof"
        orders = await client.get("/api/orders", headers=fans[by_id[winners[0]]].headers)
        [order] = orders.json()["orders"]
        assert (order["unit_price_cents"], order["status"]) == (0, "pending_payment")
        assert await world.stock() == 10 - 2


async def test_bad_draws_are_refused_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Each bad start gets its own code; stock and the room's draw are untouched."""
    async with AsyncExitStack() as stack:
        world = await make_world(app, client, stack)
        other = (await client.post(
            "/api/products", headers=world.shop.headers,
            json={"title": "Gold", "price_cents": 5_000_001, "stock": 5},
        )).json()["id"]  # fmt: skip
        cases: list[tuple[dict[str, Any], int, str]] = [
            ({"duration_seconds": 29}, 422, "draw_duration_out_of_range"),
            ({"duration_seconds": 901}, 422, "draw_duration_out_of_range"),
            ({"prize_kind": "coupon", "product_id": None}, 422, "invalid_input"),
            ({"prize_kind": "coupon", "coupon_template_id": 1}, 422, "invalid_input"),
            ({"product_id": other}, 422, "prize_not_on_shelf"),
            ({"keyword": "  "}, 422, "invalid_input"),
            ({"winners": 11}, 409, "sold_out"),
            ({"condition": "watch", "watch_minutes": 1}, 422, "invalid_input"),
        ]
        for terms, status, code in cases:
            refused = await world.start(**terms)
            assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), terms
        viewer = await signup(client, "vic")
        as_viewer = await client.post(
            f"/api/rooms/{world.room_id}/draws", headers=viewer.headers,
            json={"product_id": world.product_id, "duration_seconds": 60, "condition": "keyword",
                  "keyword": "x"},
        )  # fmt: skip
        assert as_viewer.status_code == 403
        assert await world.stock() == 10
        current = (await client.get(f"/api/rooms/{world.room_id}/draws/current")).json()
        assert current["draw"] is None
        draw_id = (await world.start()).json()["id"]
        proof = (await client.get(f"/api/draws/{draw_id}/proof")).json()
        assert (proof["seed"], proof["entrants"], proof["status"]) == (None, [], "open")
        assert (await client.get(f"/draws/{draw_id}/proof")).status_code == 200
        assert (await client.get("/draws/999/proof")).status_code == 404
        second = await world.start()
        assert (second.status_code, second.json()["error"]["code"]) == (409, "draw_active")
        assert await world.stock() == 9


async def test_over_the_legal_cap_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A shelf prize worth more than 50,000 yuan is prize_over_cap; 50,000 itself is allowed."""
    async with AsyncExitStack() as stack:
        world = await make_world(app, client, stack, price_cents=5_000_001)
        refused = await world.start()
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, "prize_over_cap")
        await client.patch(
            f"/api/products/{world.product_id}", json={"price_cents": 5_000_000},
            headers=world.shop.headers,
        )  # fmt: skip
        assert (await world.start()).status_code == 201


async def test_more_winners_than_entrants_means_every_entrant_wins(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Winners are min(wanted, entrants); the spare prize units go back to the stock."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(app, client, stack, ["amy", "bob"])
        assert (await world.start(winners=5)).status_code == 201
        assert await world.stock() == 5
        for name in fans:
            await sockets[name].send("chat.send", {"body": "抽我"})
            await sockets[name].next("chat.accepted")
        await asyncio.sleep(FLUSH)
        closed = (await world.close(sockets["amy"]))["data"]
        assert sorted(p["user"]["id"] for p in closed["picks"]) == sorted(
            a.id for a in fans.values()
        )
        assert await world.stock() == 10 - 2


async def test_an_unclaimed_prize_goes_to_the_next_ticket(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Past 48 h the pick is forfeited and the next lowest ticket wins; the proof still
    verifies; the first winner can no longer claim, the new one can."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(app, client, stack, ["amy", "bob", "cat"])
        draw_id = (await world.start(winners=1)).json()["id"]
        for name in fans:
            await sockets[name].send("chat.send", {"body": "抽我"})
            await sockets[name].next("chat.accepted")
        await asyncio.sleep(FLUSH)
        closed = (await world.close(sockets["amy"]))["data"]
        first = closed["picks"][0]["user"]["id"]
        world.advance(48 * 3600 + 1)
        assert await commands.pass_on_due(world.desk) == 1
        redrawn = (await sockets["amy"].next("draw.redrawn"))["data"]
        proof = (await client.get(f"/api/draws/{draw_id}/proof")).json()
        assert fairness.verify(proof).ok
        statuses = [(w["user_id"], w["status"]) for w in proof["winners"]]
        ranking = fairness.ranking(bytes.fromhex(proof["seed"]), proof["entrants"])
        assert statuses == [(first, "forfeited"), (ranking[1][1], "won")]
        assert redrawn["pick"]["user"]["id"] == ranking[1][1]
        by_id = {a.id: a for a in fans.values()}
        for account in by_id.values():
            await address(client, account)
        late = await client.post(
            f"/api/draws/{draw_id}/claim", json={}, headers=by_id[first].headers
        )
        assert (late.status_code, late.json()["error"]["code"]) == (409, "claim_expired")
        claimed = await client.post(
            f"/api/draws/{draw_id}/claim", json={}, headers=by_id[ranking[1][1]].headers
        )
        assert claimed.status_code == 200, claimed.text
        assert [p["status"] for p in claimed.json()["picks"]] == ["forfeited", "claimed"]
        orders = (await client.get("/api/orders", headers=by_id[ranking[1][1]].headers)).json()
        assert [o["status"] for o in orders["orders"]] == ["paid"]
        assert await world.stock() == 9


async def test_watch_draw_counts_time_in_the_room(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Watching 1 minute while the draw is open enters; joining late does not."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(app, client, stack, ["amy"])
        started = await world.start(condition="watch", watch_minutes=1, duration_seconds=90)
        assert started.status_code == 201, started.text
        await knows_the_draw(world)
        for _ in range(20):  # 40 s in 2 s beats: amy alone
            world.advance(2)
            await world.desk.beat()
        late = await signup(client, "bob")
        sockets["bob"] = await join(world, stack, late)
        for _ in range(24):  # 48 s more: amy passes a minute, bob does not
            world.advance(2)
            await world.desk.beat()
        closed = (await world.close(sockets["amy"]))["data"]
        assert [p["user"]["id"] for p in closed["picks"]] == [fans["amy"].id]
        assert closed["entrant_count"] == 1


async def test_follow_draw_counts_who_follows_the_host_or_shop_at_the_close(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Following the host or the shop at the close enters, a follow made while the draw is
    open too; not one dropped before the close, nor a follower who left, nor a non-fan."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(
            app, client, stack, ["amy", "bob", "cat", "dan", "eve"]
        )

        async def follow(name: str, whom: int, method: str = "PUT") -> None:
            done = await client.request(method, f"/api/follows/{whom}", headers=fans[name].headers)
            assert done.status_code == 204, done.text

        await follow("amy", world.host.id)
        await follow("dan", world.shop.id)
        await follow("eve", world.host.id)
        started = await world.start(condition="follow", keyword="")
        assert started.status_code == 201, started.text
        assert started.json()["condition"] == "follow"
        await follow("bob", world.shop.id)  # while the draw is open
        await follow("dan", world.shop.id, "DELETE")
        await sockets.pop("eve").socket.close()
        await asyncio.sleep(FLUSH)
        closed = (await world.close(sockets["amy"]))["data"]
        expected = fairness.canonical_entrants([fans["amy"].id, fans["bob"].id])
        assert closed["entrant_count"] == 2
        assert closed["entrants_hash"] == fairness.entrants_hash(expected)
        proof = (await client.get(f"/api/draws/{started.json()['id']}/proof")).json()
        assert proof["entrants"] == expected and fairness.verify(proof).ok


async def test_keyword_entries_of_the_banned_and_muted_do_not_count(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Fans banned or muted after sending the keyword are not entrants at the close; the
    banned one cannot come back; the proof lists the others only."""
    async with AsyncExitStack() as stack:
        world, fans, sockets = await world_with_fans(app, client, stack, ["amy", "bob", "cat"])
        host = await join(world, stack, world.host)
        started = await world.start(winners=3)
        assert started.status_code == 201, started.text
        for name in fans:
            await sockets[name].send("chat.send", {"body": "抽我"})
            await sockets[name].next("chat.accepted")
        await asyncio.sleep(FLUSH)
        await host.send("moderation.ban", {"user": fans["bob"].id})
        await host.next("moderation.banned")
        await host.send("moderation.mute", {"user": fans["cat"].id, "seconds": 600})
        await host.next("moderation.muted")
        await sockets.pop("bob").socket.close()
        async with viewer(world.base, world.room_id, f"?token={fans['bob'].token}") as back:
            assert (await back.next("error"))["data"]["code"] == "forbidden"
        closed = (await world.close(sockets["amy"]))["data"]
        assert closed["entrant_count"] == 1
        assert [p["user"]["id"] for p in closed["picks"]] == [fans["amy"].id]
        proof = (await client.get(f"/api/draws/{started.json()['id']}/proof")).json()
        assert proof["entrants"] == [fans["amy"].id] and fairness.verify(proof).ok
        assert await world.stock() == 10 - 1
