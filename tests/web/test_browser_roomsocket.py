"""The room socket client (web/static/js/roomsocket.js) against a scripted hub: frames as
objects or arrays, duplicates skipped by seq, resume with ?since= after a 4008 close,
no reconnect after a refusal, and chat rendered as text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Browser, WebSocketRoute, expect

from tests.servers import Server
from tests.web.conftest import new_page
from tests.web.test_browser_room import make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


def event(type_: str, seq: int | None, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_, "room": 1, "seq": seq, "at": "2030-01-01T00:00:00.000Z", "data": data}


def chat(message_id: int, seq: int, body: str) -> dict[str, Any]:
    user = {"id": 99, "handle": "mei", "name": "Mei"}
    return event("chat.posted", seq, {"id": message_id, "user": user, "body": body, "at": ""})


class ScriptedHub:
    """Answers each connection with the next script; records URLs and client messages."""

    def __init__(self, scripts: list[list[Any]]) -> None:
        self.scripts = scripts
        self.urls: list[str] = []
        self.received: list[dict[str, Any]] = []

    async def __call__(self, ws: WebSocketRoute) -> None:
        self.urls.append(ws.url)
        ws.on_message(lambda message: self.received.append(json.loads(message)))
        for step in self.scripts[len(self.urls) - 1]:
            if isinstance(step, int):
                await ws.close(code=step)
            else:
                ws.send(json.dumps(step))


async def test_socket_protocol(browser: Browser, server: Server) -> None:
    """Snapshot, array frames, dedupe, resume with since, and stop on a 4404 refusal."""
    show = await make_show(server, live=True)
    author = {"id": 5, "handle": "x", "name": "<b>Bold</b>"}
    snapshot = event("room.snapshot", 10, {
        "room": {**show.room, "status": "live", "shelf": [], "pinned_product": None},
        "sales": [], "viewers": 7, "likes": 3, "seq": 10, "server_time": 1_900_000_000_000,
        "chat": [{"id": 1, "user": author, "body": "first"}],
    })  # fmt: skip
    # One frame with three events: a new one, a stale duplicate, an unsequenced counter.
    viewers = event("viewers.count", None, {"count": 42})
    batch = [chat(2, 11, "second"), chat(3, 10, "stale"), viewers]
    hub = ScriptedHub([
        [snapshot, batch, 4008],
        [chat(2, 11, "second"), chat(4, 12, "third"), 4404],
    ])  # fmt: skip
    context, page = await new_page(browser, server)
    await page.route_web_socket("**/ws/rooms/**", hub)
    await page.goto(f"/rooms/{show.room['id']}")

    messages = page.get_by_test_id("chat-message")
    await expect(messages.filter(has_text="third")).to_have_count(1)
    await expect(messages.filter(has_text="second")).to_have_count(1)
    await expect(messages.filter(has_text="stale")).to_have_count(0)
    await expect(messages.filter(has_text="first")).to_contain_text("<b>Bold</b>")
    await expect(page.get_by_test_id("viewer-count")).to_have_text("42")
    await expect(page.get_by_test_id("pinned-card")).to_be_hidden()
    await expect(page.locator("#connection-banner")).to_have_text("⚠")
    assert "since" not in hub.urls[0]
    assert hub.urls[1].endswith("?since=11")
    assert len(hub.urls) == 2
    assert any(m["type"] == "time.sync" and m["data"]["client_time"] > 0 for m in hub.received)
    await context.close()


async def test_socket_sends_chat_and_batched_likes(browser: Browser, server: Server) -> None:
    """Chat goes out as chat.send; several like taps go out as one like.send with the sum."""
    show = await make_show(server, live=True)
    hub = ScriptedHub([[event("room.snapshot", 1, {"room": show.room, "seq": 1})]])
    context, page = await new_page(browser, server)
    await page.route_web_socket("**/ws/rooms/**", hub)
    await page.goto(f"/login?next=/rooms/{show.room['id']}")
    form = page.get_by_test_id("login-form")
    await form.locator('input[name="handle"]').fill("anchor")
    await form.locator('input[name="password"]').fill("correct horse")
    await form.locator('button[type="submit"]').click()
    await expect(page.locator("#chat-form input")).to_be_enabled()
    await page.locator("#chat-form input").fill("你好 hello")
    await page.locator("#chat-form input").press("Enter")
    for _ in range(4):
        await page.get_by_test_id("like-btn").click()
    await expect(page.get_by_test_id("like-count")).to_have_text("4")
    await page.wait_for_timeout(1500)  # the once-a-second flush; not a timing assertion
    assert sum(m["data"]["count"] for m in hub.received if m["type"] == "like.send") == 4
    assert {"type": "chat.send", "data": {"body": "你好 hello"}} in hub.received
    await context.close()


async def test_a_new_snapshot_keeps_the_rooms_own_chat_lines(
    browser: Browser, server: Server
) -> None:
    """After a reconnect's snapshot the welcome, moderation and "just bought" lines stay
    (the welcome once); messages follow the snapshot: new ones added, a deleted one gone."""
    show = await make_show(server, live=True)
    room = {**show.room, "status": "live", "shelf": [], "pinned_product": None}
    user = {"id": 99, "handle": "mei", "name": "Mei"}

    def snapshot(seq: int, chat_ids: list[int]) -> dict[str, Any]:
        lines = [{"id": i, "user": user, "body": f"line {i}"} for i in chat_ids]
        return event("room.snapshot", seq, {"room": room, "sales": [], "seq": seq, "chat": lines})

    hub = ScriptedHub([
        [snapshot(10, [1, 2]), event("moderation.muted", 11, {"user": user, "seconds": 60}),
         event("order.placed.summary", 12, {"count": 3}), 4008],
        [snapshot(30, [1, 3])],
    ])  # fmt: skip
    context, page = await new_page(browser, server)
    await page.route_web_socket("**/ws/rooms/**", hub)
    await page.goto(f"/rooms/{show.room['id']}")
    messages = page.get_by_test_id("chat-message")
    await expect(messages.filter(has_text="line 3")).to_have_count(1)
    assert len(hub.urls) == 2
    chat_list = page.get_by_test_id("chat-list")
    await expect(chat_list).to_contain_text("Mei was muted")
    await expect(chat_list).to_contain_text("3 people just bought")
    await expect(chat_list.get_by_text("Welcome!")).to_have_count(1)
    await expect(messages.filter(has_text="line 1")).to_have_count(1)
    await expect(messages.filter(has_text="line 2")).to_have_count(0)
    await context.close()
