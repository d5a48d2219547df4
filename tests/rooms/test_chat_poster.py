"""Tests for livecommerce.rooms.chat_poster: batched chat, same rules per message."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from livecommerce.errors import BlockedWord, Muted, NotFound, RateLimited
from livecommerce.rooms import moderation, service
from livecommerce.rooms.chat import ChatView
from livecommerce.rooms.chat_poster import ChatPoster
from livecommerce.storage.models import ChatMessage
from tests.rooms._world import RoomWorld, make_world


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> RoomWorld:
    return await make_world(app, client)


@pytest.fixture
def poster(world: RoomWorld) -> ChatPoster:
    return ChatPoster(world.resources.db)


async def test_messages_arriving_together_share_transactions(
    world: RoomWorld, poster: ChatPoster
) -> None:
    """Thirty messages at once are written in a few batches; each sender gets its own
    message back and viewers get every one, in the order they were stored."""
    senders = [world.fan, world.other, world.host] * 10
    views = await asyncio.gather(
        *(poster.post(who, world.room_id, f"m{n}") for n, who in enumerate(senders))
    )
    assert [v.body for v in views] == [f"m{n}" for n in range(30)]
    assert [v.user_id for v in views] == [who.user_id for who in senders]
    assert poster.batches <= 3
    events = await world.resources.hub.events_since(world.room_id, 0) or []
    posted = [e.data["id"] for e in events if e.type == "chat.posted"]
    assert posted == sorted(v.id for v in views)
    # Each sender's id is their own row: the batch insert returns ids in row order.
    async with world.resources.db.read() as session:
        rows = await session.execute(select(ChatMessage.id, ChatMessage.body))
        stored = {message_id: body for message_id, body in rows}
    assert {v.id: v.body for v in views}.items() <= stored.items()


async def test_a_refused_message_does_not_fail_its_batch(
    world: RoomWorld, poster: ChatPoster
) -> None:
    """Each message of a batch gets its own answer: refusals for the muted sender, the
    blocked word and the unknown room; the others are posted."""
    async with world.resources.db.unit_of_work() as uow:
        await moderation.restrict(uow, caller=world.host, room_id=world.room_id,
                                  user="fan", kind="mute", seconds=60)  # fmt: skip
        await moderation.set_blocked_words(uow, caller=world.host, room_id=world.room_id,
                                           words=["spam"])  # fmt: skip
    results = await asyncio.gather(
        poster.post(world.fan, world.room_id, "let me talk"),
        poster.post(world.other, world.room_id, "hello"),
        poster.post(world.other, world.room_id, "SPAM here"),
        poster.post(world.other, 987654, "wrong room"),
        poster.post(world.host, world.room_id, "welcome"),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [
        Muted, ChatView, BlockedWord, NotFound, ChatView,
    ]  # fmt: skip


async def test_slow_mode_holds_inside_one_batch(world: RoomWorld, poster: ChatPoster) -> None:
    """Two messages of one viewer in the same batch: the second waits for slow mode;
    a moderator is not slowed."""
    async with world.resources.db.unit_of_work() as uow:
        await moderation.set_slow_mode(uow, caller=world.host, room_id=world.room_id,
                                       seconds=30)  # fmt: skip
        await service.add_moderator(uow, caller=world.host, room_id=world.room_id,
                                    user_id=world.other.user_id)  # fmt: skip
    results = await asyncio.gather(
        poster.post(world.fan, world.room_id, "one"),
        poster.post(world.fan, world.room_id, "two"),
        poster.post(world.other, world.room_id, "mod one"),
        poster.post(world.other, world.room_id, "mod two"),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [ChatView, RateLimited, ChatView, ChatView]
