"""Reminder rounds: subscribers are notified once, soon before and at the start, however
many nodes run the round at the same time; the badge answers 304 until it changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from livecommerce.follows import commands
from livecommerce.storage.follow_models import Notification, ReminderRound
from tests.follows._scene import remind, start, upcoming_show
from tests.follows.conftest import Node
from tests.users import signup


async def _both(a: Node, b: Node) -> None:
    """Every node runs its rounds twice, all at once."""
    runs = [commands.fire_due_rounds(n.desk) for n in (a, b, a, b)]
    await asyncio.gather(*runs)


async def _notifications(node: Node, kind: str) -> list[tuple[int, int]]:
    """(user, how many of ``kind`` they got), for everyone notified."""
    async with node.desk.db.read() as session:
        rows = await session.execute(
            select(Notification.user_id, func.count())
            .where(Notification.kind == kind).group_by(Notification.user_id)
        )  # fmt: skip
        return sorted((int(u), int(c)) for u, c in rows)


async def test_start_reminders_fire_once_on_two_nodes(two_nodes: tuple[Node, Node]) -> None:
    """Ten subscribers, chunks of three, both nodes at once: each is told once."""
    a, b = two_nodes
    scene = await upcoming_show(a.client)
    viewers = [await signup(a.client, f"viewer{i}") for i in range(10)]
    for viewer in viewers:
        assert (await remind(b.client, viewer, scene.room_id)).status_code == 200
    await _both(a, b)
    assert await _notifications(a, "start") == []  # not live yet, and no "soon" this early
    await start(a.client, scene)
    await _both(a, b)
    await _both(a, b)
    assert await _notifications(a, "start") == [(v.id, 1) for v in viewers]
    async with a.desk.db.read() as session:
        done = await session.get(ReminderRound, (scene.room_id, "start"))
        assert done is not None and done.done_at is not None and done.notified == 10


async def test_soon_then_start(two_nodes: tuple[Node, Node]) -> None:
    """Within the lead time the "soon" round runs; at the start the "start" round."""
    a, b = two_nodes
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    scene = await upcoming_show(a.client, scheduled_at=soon)
    bob = await signup(a.client, "bob")
    await remind(a.client, bob, scene.room_id)
    await _both(a, b)
    assert await _notifications(a, "soon") == [(bob.id, 1)]
    assert await _notifications(a, "start") == []
    await start(b.client, scene)
    await _both(a, b)
    assert await _notifications(b, "start") == [(bob.id, 1)]
    listed = (await a.client.get("/api/notifications", headers=bob.headers)).json()
    assert [n["kind"] for n in listed["notifications"]] == ["start", "soon"]
    assert listed["notifications"][0]["title"] == "Evening show"


async def test_badge_etag(two_nodes: tuple[Node, Node]) -> None:
    """The badge is 304 while nothing changed, new after a notification, 0 once read."""
    a, b = two_nodes
    scene = await upcoming_show(a.client)
    bob = await signup(a.client, "bob")
    await remind(a.client, bob, scene.room_id)
    first = await a.client.get("/api/notifications/badge", headers=bob.headers)
    assert first.json() == {"unread": 0, "latest": 0}
    tag = {**bob.headers, "If-None-Match": first.headers["ETag"]}
    assert (await b.client.get("/api/notifications/badge", headers=tag)).status_code == 304
    await start(a.client, scene)
    await _both(a, b)
    changed = await b.client.get("/api/notifications/badge", headers=tag)
    assert changed.status_code == 200 and changed.json()["unread"] == 1
    read = await a.client.post("/api/notifications/read", json={}, headers=bob.headers)
    assert read.json() == {"marked": 1}
    again = await a.client.get("/api/notifications/badge", headers=bob.headers)
    assert again.json()["unread"] == 0 and again.headers["ETag"] != changed.headers["ETag"]
