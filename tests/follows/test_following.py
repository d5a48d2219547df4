"""Following hosts and shops, 预约 on upcoming shows, and the refusals of bad input."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.follows import following
from tests.follows._scene import remind, start, upcoming_show
from tests.users import signup


async def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


async def test_follow_a_host_and_a_shop(client: httpx.AsyncClient) -> None:
    """A viewer follows a host and a shop; following twice keeps one follow; unfollow."""
    scene = await upcoming_show(client)
    bob = await signup(client, "bob")
    for followee in (scene.host, scene.shop, scene.host):
        answer = await client.put(f"/api/follows/{followee.id}", headers=bob.headers)
        assert answer.status_code == 204
    listed = (await client.get("/api/follows", headers=bob.headers)).json()["following"]
    assert [f["id"] for f in listed] == [scene.shop.id, scene.host.id]
    await client.delete(f"/api/follows/{scene.shop.id}", headers=bob.headers)
    listed = (await client.get("/api/follows", headers=bob.headers)).json()["following"]
    assert [f["handle"] for f in listed] == ["anna"]


async def test_follow_refusals(client: httpx.AsyncClient) -> None:
    """Following yourself, a viewer, or nobody is refused with its own code."""
    scene = await upcoming_show(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    me = await client.put(f"/api/follows/{scene.host.id}", headers=scene.host.headers)
    assert await _code(me) == (422, "follow_self")
    viewer = await client.put(f"/api/follows/{eve.id}", headers=bob.headers)
    assert await _code(viewer) == (422, "not_followable")
    nobody = await client.put("/api/follows/999999", headers=bob.headers)
    assert await _code(nobody) == (404, "not_found")
    anonymous = await client.put(f"/api/follows/{scene.host.id}")
    assert anonymous.status_code == 401
    assert (await client.get("/api/follows", headers=bob.headers)).json()["following"] == []


async def test_remind_counts_and_refusals(client: httpx.AsyncClient) -> None:
    """预约 counts each viewer once; a live or ended show refuses it and keeps its count."""
    scene = await upcoming_show(client)
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    assert (await remind(client, bob, scene.room_id)).json() == {"reminded": True, "reminders": 1}
    assert (await remind(client, bob, scene.room_id)).json()["reminders"] == 1
    assert (await remind(client, eve, scene.room_id)).json()["reminders"] == 2
    gone = await client.delete(f"/api/rooms/{scene.room_id}/reminder", headers=eve.headers)
    assert gone.json() == {"reminded": False, "reminders": 1}
    await start(client, scene)
    live = await remind(client, eve, scene.room_id)
    assert await _code(live) == (409, "show_not_upcoming")
    ended = await client.post(f"/api/rooms/{scene.room_id}/end", headers=scene.host.headers)
    assert ended.status_code == 200
    late = await remind(client, eve, scene.room_id)
    assert await _code(late) == (409, "show_not_upcoming")
    assert await _code(await remind(client, eve, 999999)) == (404, "not_found")


async def test_home_puts_followed_shows_first(client: httpx.AsyncClient) -> None:
    """A follower's home page lists the upcoming shows of followed hosts first."""
    early = await upcoming_show(
        client, shop="shop1", host="host1", scheduled_at="2030-01-01T10:00:00Z"
    )
    late = await upcoming_show(
        client, shop="shop2", host="host2", scheduled_at="2030-01-02T10:00:00Z"
    )
    bob = await signup(client, "bob")
    await client.put(f"/api/follows/{late.host.id}", headers=bob.headers)

    def order(page: str) -> list[int]:
        upcoming = page[page.index('id="upcoming"') :]
        return [int(part.split('"')[0]) for part in upcoming.split('data-room-id="')[1:]]

    anonymous = (await client.get("/")).text
    assert order(anonymous) == [early.room_id, late.room_id]
    mine = (await client.get("/", headers=bob.headers)).text
    assert order(mine) == [late.room_id, early.room_id]
    assert mine.count('data-testid="followed-chip"') == 1


async def test_followers_among_reads_the_candidates_in_chunks(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of the candidates, those following the host or the shop, across IN-list chunks."""
    scene = await upcoming_show(client)
    fans = [await signup(client, name) for name in ("amy", "bob", "cat", "dan", "eve")]
    for fan, followee in zip(fans[:3], (scene.host, scene.shop, scene.host), strict=True):
        assert (await client.put(f"/api/follows/{followee.id}", headers=fan.headers)).is_success
    monkeypatch.setattr(following, "CHUNK", 2)
    candidates = [f.id for f in fans[1:]] + [10**6]
    async with app.state.resources.db.read() as session:
        found = await following.followers_among(session, [scene.host.id, scene.shop.id],
                                                candidates)  # fmt: skip
    assert found == {fans[1].id, fans[2].id}
