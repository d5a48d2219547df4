"""The host page and its API: followers counted from rows, the live, upcoming and
replayed shows of one host, published replays only, and 404 for anyone else."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.users import Account, product, room, signup
from tests.web.forms import HTML


async def show(client: httpx.AsyncClient, shop: Account, host: Account, title: str) -> int:
    tea = (await product(client, shop, f"Tea for {title}"))["id"]
    made = await room(client, shop, host, [tea])
    renamed = await client.patch(
        f"/api/rooms/{made['id']}", json={"title": title}, headers=shop.headers
    )
    assert renamed.status_code == 200, renamed.text
    room_id: int = made["id"]
    return room_id


async def act(client: httpx.AsyncClient, who: Account, room_id: int, *steps: str) -> None:
    for step in steps:
        done = await client.post(f"/api/rooms/{room_id}/{step}", headers=who.headers)
        assert done.status_code == 200, done.text


async def page_of(client: httpx.AsyncClient, host_id: int, who: Account | None = None) -> Any:
    answer = await client.get(f"/api/hosts/{host_id}", headers=who.headers if who else {})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_lists_published_replays_only_newest_first(client: httpx.AsyncClient) -> None:
    """Ended shows appear newest first with their time on air; unpublished, deleted and
    not-recordable ones, and other hosts' shows, never do."""
    shop, anna = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    ids = [await show(client, shop, anna, name) for name in ("One", "Two", "Hidden", "Gone")]
    for room_id in ids:
        await act(client, anna, room_id, "start", "end")
    other = await show(client, shop, await signup(client, "boris", "host"), "Not hers")
    await act(client, shop, other, "start", "end")
    replay = f"/api/rooms/{ids[2]}/replay"
    hidden = await client.put(replay, json={"state": "unpublished"}, headers=shop.headers)
    assert hidden.status_code == 200, hidden.text
    gone = await client.delete(f"/api/rooms/{ids[3]}/replay", headers=shop.headers)
    assert gone.status_code == 204, gone.text
    found = await page_of(client, anna.id)
    assert [r["id"] for r in found["replays"]] == [ids[1], ids[0]]
    assert all(isinstance(r["duration_seconds"], int) for r in found["replays"])
    assert found["live"] == [] and found["upcoming"] == []
    # The owner sees the unpublished replay on its replay page, never on the public list.
    assert [r["id"] for r in (await page_of(client, anna.id, anna))["replays"]] == ids[1::-1]
    html = (await client.get(f"/hosts/{anna.id}", headers=HTML)).text
    assert f'href="/replay/{ids[1]}"' in html and f'href="/replay/{ids[0]}"' in html
    assert f"/replay/{ids[2]}" not in html and f"/replay/{ids[3]}" not in html
    assert f"/replay/{other}" not in html


async def test_follower_count_and_following(client: httpx.AsyncClient) -> None:
    """Followers is the number of follow rows: following twice counts once, unfollowing
    takes one off; ``following`` is the caller's own."""
    shop, anna = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    bob, eve = await signup(client, "bob"), await signup(client, "eve")
    for who in (bob, bob, eve):
        assert (await client.put(f"/api/follows/{anna.id}", headers=who.headers)).is_success
    assert (await page_of(client, anna.id))["followers"] == 2
    assert (await page_of(client, anna.id, bob))["following"] is True
    assert (await page_of(client, anna.id))["following"] is False
    assert (await client.delete(f"/api/follows/{anna.id}", headers=bob.headers)).is_success
    after = await page_of(client, anna.id, bob)
    assert (after["followers"], after["following"]) == (1, False)
    html = (await client.get(f"/hosts/{anna.id}", headers=HTML)).text
    assert ">1 follower<" in html and "Anna" in html
    assert (await page_of(client, shop.id))["followers"] == 0  # a shop hosting its own shows


async def test_live_and_upcoming_shows_with_reminders(client: httpx.AsyncClient) -> None:
    """The live show links to its room; upcoming shows carry the caller's 预约 and the count."""
    shop, anna = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    bob = await signup(client, "bob")
    live, later = await show(client, shop, anna, "On air"), await show(client, shop, anna, "Later")
    await act(client, anna, live, "start")
    assert (await client.put(f"/api/rooms/{later}/reminder", headers=bob.headers)).is_success
    found = await page_of(client, anna.id, bob)
    assert [r["id"] for r in found["live"]] == [live]
    assert [(r["id"], r["reminded"], r["reminders"]) for r in found["upcoming"]] == [
        (later, True, 1)
    ]
    assert (await page_of(client, anna.id))["upcoming"][0]["reminded"] is False
    html = (await client.get(f"/hosts/{anna.id}", headers=HTML)).text
    assert f'href="/rooms/{live}"' in html and f'data-remind-slot="{later}"' in html


@pytest.mark.parametrize("host_id", ["999999", "2147483648", "-1", "0"])
async def test_unknown_host_is_404(client: httpx.AsyncClient, host_id: str) -> None:
    """No user, or an id no row can have: the JSON not_found, and a 404 page."""
    answer = await client.get(f"/api/hosts/{host_id}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    page = await client.get(f"/hosts/{host_id}", headers=HTML)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


async def test_a_viewer_has_no_host_page(client: httpx.AsyncClient) -> None:
    """A viewer hosts no show: their id is not_found, as no user's is."""
    bob = await signup(client, "bob")
    answer = await client.get(f"/api/hosts/{bob.id}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")


async def test_pages_link_the_host(client: httpx.AsyncClient) -> None:
    """The room page's host name, the home page's cards and replay list, and the replay
    page link to the host page."""
    shop, anna = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    upcoming, ended = await show(client, shop, anna, "Soon"), await show(client, shop, anna, "Was")
    await act(client, anna, ended, "start", "end")
    link = f'href="/hosts/{anna.id}"'
    for path in (f"/rooms/{upcoming}", "/", f"/replay/{ended}"):
        html = (await client.get(path, headers=HTML)).text
        assert link in html, path
    home = (await client.get("/", headers=HTML)).text
    assert home.count(link) == 2  # the upcoming card and the replay line


async def test_openapi_documents_the_host_api(client: httpx.AsyncClient) -> None:
    """The API is in the OpenAPI document, read-only, open to visitors."""
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/api/hosts/{user_id}"]["get"]
    assert "followers" in operation["description"]
    assert {} in operation["security"]  # anyone may read it; a caller sees its own standing
    assert set(schema["paths"]["/api/hosts/{user_id}"]) == {"get"}
