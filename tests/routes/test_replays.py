"""Replays: the timeline from the show log, explain clips, publish/unpublish/delete, the
recordable flag and the retention loop."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from livecommerce.media.blobs import LocalBlobStore
from livecommerce.rooms import replay_commands
from livecommerce.storage.models import utcnow
from tests.users import Account, product, room, signup
from tests.web.forms import HTML

WEB = Path(__file__).resolve().parents[2] / "web"


async def ended_show(
    client: httpx.AsyncClient, app: FastAPI
) -> tuple[dict[str, Any], Account, Account, list[int]]:
    merchant = await signup(client, "merchant", "merchant")
    host = await signup(client, "host", "host")
    ids = [(await product(client, merchant, f"Tea {n}"))["id"] for n in range(2)]
    show = await room(client, merchant, host, ids)
    base = f"/api/rooms/{show['id']}"
    assert (await client.post(f"{base}/start", headers=host.headers)).status_code == 200
    for step in ({"product_id": ids[0]}, {"product_id": ids[1]}, None):
        if step is None:
            response = await client.delete(f"{base}/pin", headers=host.headers)
        else:
            response = await client.put(f"{base}/pin", json=step, headers=host.headers)
        assert response.status_code == 200, response.text
    assert (await client.post(f"{base}/end", headers=host.headers)).status_code == 200
    await app.state.resources.show_log.flush()
    return show, merchant, host, ids


async def test_replay_rebuilds_the_pins_as_explain_clips(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """An ended show's replay lists its events in order with t, and one clip per pin."""
    show, _, _, ids = await ended_show(client, app)
    response = await client.get(f"/api/rooms/{show['id']}/replay")
    assert response.status_code == 200, response.text
    body = response.json()
    types = [e["type"] for e in body["events"]]
    assert types.index("room.started") < types.index("product.pinned") < types.index("room.ended")
    assert [e["seq"] for e in body["events"]] == sorted(e["seq"] for e in body["events"])
    assert all(e["t"] >= 0 for e in body["events"])
    clips = body["clips"]
    assert [c["product_id"] for c in clips] == ids
    assert all(c["end"] is not None and c["end"] >= c["start"] for c in clips)
    assert clips[0]["end"] == clips[1]["start"]


async def test_a_live_show_has_no_replay(client: httpx.AsyncClient) -> None:
    merchant = await signup(client, "merchant", "merchant")
    host = await signup(client, "host", "host")
    show = await room(client, merchant, host, [])
    response = await client.get(f"/api/rooms/{show['id']}/replay")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_unpublished_replays_are_the_owners_only(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Unpublished: viewers get 404 and the list leaves it out; the host still sees it."""
    show, merchant, host, _ = await ended_show(client, app)
    path = f"/api/rooms/{show['id']}/replay"
    listed = await client.get("/api/replays")
    assert [r["id"] for r in listed.json()["replays"]] == [show["id"]]
    viewer = await signup(client, "viewer")
    refused = await client.put(path, json={"state": "unpublished"}, headers=viewer.headers)
    assert refused.status_code == 403
    done = await client.put(path, json={"state": "unpublished"}, headers=merchant.headers)
    assert done.json()["replay"] == "unpublished"
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=host.headers)).status_code == 200
    assert (await client.get("/api/replays")).json()["replays"] == []
    assert (await client.get(f"/replay/{show['id']}")).status_code == 404
    bad = await client.put(path, json={"state": "deleted"}, headers=merchant.headers)
    assert bad.status_code == 422 or bad.json()["error"]["code"] == "invalid_input"


async def test_deleting_a_replay_removes_it_for_good(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Only the show's owners delete it; its segments leave storage, the lists drop it,
    and it can never be published again."""
    show, merchant, _, _ = await ended_show(client, app)
    path = f"/api/rooms/{show['id']}/replay"
    blobs = app.state.resources.blobs
    for name in ("init.mp4", "seg_00001.m4s", "index.m3u8"):
        await blobs.put(f"recordings/{show['id']}/r1/{name}", b"x", content_type="video/mp4")
    viewer = await signup(client, "viewer")
    assert (await client.delete(path, headers=viewer.headers)).status_code == 403
    assert len(await blobs.keys(f"recordings/{show['id']}/")) == 3
    assert (await client.delete(path, headers=merchant.headers)).status_code == 204
    assert await blobs.keys(f"recordings/{show['id']}/") == []
    assert (await client.get("/api/replays")).json()["replays"] == []
    assert (await client.get(path, headers=merchant.headers)).status_code == 404
    again = await client.put(path, json={"state": "published"}, headers=merchant.headers)
    assert again.status_code == 404


async def test_a_show_marked_not_recordable_has_no_replay(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    show, _, host, _ = await ended_show(client, app)
    flag = f"/api/rooms/{show['id']}/recordable"
    response = await client.put(flag, json={"recordable": False}, headers=host.headers)
    assert response.json() == {"room_id": show["id"], "recordable": False}
    assert (await client.get(f"/api/rooms/{show['id']}/replay")).status_code == 404


async def test_retention_deletes_old_recordings_from_storage(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    """Past the retention days a show's segments leave storage and its replay goes;
    a recent show's stay."""
    show, _, _, _ = await ended_show(client, app)
    store = LocalBlobStore(tmp_path / "media")
    for name in ("init.mp4", "seg_00001.m4s", "index.m3u8"):
        await store.put(f"recordings/{show['id']}/r1/{name}", b"x", content_type="video/mp4")

    async def remove(room_id: int) -> int:
        return await store.delete_prefix(f"recordings/{room_id}/")

    async def stored() -> int:
        names = ("init.mp4", "seg_00001.m4s", "index.m3u8")
        return sum([await store.get(f"recordings/{show['id']}/r1/{n}") is not None for n in names])

    db = app.state.resources.db
    kept = await replay_commands.purge_expired(db, days=30, remove_media=remove)
    assert kept == [] and await stored() == 3
    later = utcnow() + timedelta(days=31)
    purged = await replay_commands.purge_expired(db, days=30, remove_media=remove, now=later)
    assert purged == [show["id"]]
    assert await stored() == 0
    assert (await client.get(f"/api/rooms/{show['id']}/replay")).status_code == 404


async def test_the_studio_and_console_carry_the_replay_controls_in_both_languages(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """The host's show list offers watch/unpublish/delete for an ended show and the studio
    a record switch, in Chinese and English; the console's script builds the same."""
    show, merchant, host, _ = await ended_show(client, app)
    texts = json.loads((WEB / "static/i18n/messages.json").read_text())
    for lang in ("en", "zh"):
        client.cookies.set("lc_lang", lang)
        shows = await client.get("/studio", headers={**HTML, **host.headers})
        assert shows.status_code == 200, shows.text
        assert f'href="/replay/{show["id"]}"' in shows.text
        for key in ("replay.watch", "replay.unpublish", "replay.delete"):
            assert texts[key][lang] in shows.text, (lang, key)
    fresh = await room(client, merchant, host, [])
    client.cookies.set("lc_lang", "zh")
    studio = await client.get(f"/studio/{fresh['id']}", headers={**HTML, **host.headers})
    assert 'data-testid="recordable-toggle"' in studio.text
    assert texts["replay.recordable"]["zh"] in studio.text
    script = (WEB / "static/js/console-rooms.js").read_text()
    assert "replayButtons(room, load)" in script
