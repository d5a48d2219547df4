"""Tests for livecommerce.rooms.chat."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import (
    BlockedWord,
    InvalidInput,
    PermissionDenied,
    RateLimited,
    RoomEnded,
)
from livecommerce.rooms import chat, moderation
from livecommerce.rooms.chat import ChatView
from livecommerce.storage.models import Room
from tests.rooms._world import RoomWorld, make_world


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> RoomWorld:
    return await make_world(app, client)


async def post(world: RoomWorld, who: Principal, body: str) -> ChatView:
    async with world.resources.db.unit_of_work() as uow:
        return await chat.post_message(uow, caller=who, room_id=world.room_id, body=body)


async def test_message_is_stored_trimmed_and_published(world: RoomWorld) -> None:
    """A message is trimmed, cleaned of control characters, stored and sent as an event."""
    view = await post(world, world.fan, "  hi\u0007 there \n")
    assert view.body == "hi there"
    [event] = await world.resources.hub.events_since(world.room_id, 0) or []
    assert (event.type, event.data["id"], event.data["body"]) == (
        "chat.posted",
        view.id,
        "hi there",
    )


@pytest.mark.parametrize("body", ["", "   ", "x" * (chat.MAX_BODY + 1)])
async def test_length_limits(world: RoomWorld, body: str) -> None:
    """Empty and overlong messages are refused."""
    with pytest.raises(InvalidInput):
        await post(world, world.fan, body)


async def test_blocked_words_are_refused_case_insensitively(world: RoomWorld) -> None:
    """A message containing a blocked word is refused with blocked_word."""
    async with world.resources.db.unit_of_work() as uow:
        await moderation.set_blocked_words(uow, caller=world.host, room_id=world.room_id,
                                           words=["Spam", "  "])  # fmt: skip
    with pytest.raises(BlockedWord):
        await post(world, world.fan, "buy SPAM now")
    await post(world, world.fan, "buy tea now")


async def test_slow_mode_spaces_a_viewers_messages_not_the_hosts(world: RoomWorld) -> None:
    """Under slow mode a viewer waits between messages (retry_after); the host does not."""
    async with world.resources.db.unit_of_work() as uow:
        await moderation.set_slow_mode(uow, caller=world.host, room_id=world.room_id,
                                       seconds=30)  # fmt: skip
    await post(world, world.fan, "one")
    with pytest.raises(RateLimited) as limited:
        await post(world, world.fan, "two")
    assert 0 < limited.value.retry_after <= 30
    await post(world, world.host, "one")
    await post(world, world.host, "two")
    await post(world, world.other, "mine is the first")


async def test_muted_viewer_cannot_chat_until_lifted(world: RoomWorld) -> None:
    """A muted viewer is refused; lifting the mute lets them chat again."""
    for seconds in (60, 0):
        async with world.resources.db.unit_of_work() as uow:
            await moderation.restrict(uow, caller=world.host, room_id=world.room_id,
                                      user="fan", kind="mute", seconds=seconds)  # fmt: skip
        if seconds:
            with pytest.raises(PermissionDenied):
                await post(world, world.fan, "hello?")
    await post(world, world.fan, "hello!")


async def test_no_chat_after_the_room_ended(world: RoomWorld) -> None:
    """An ended room takes no more messages."""
    async with world.resources.db.unit_of_work() as uow:
        room = await uow.session.get(Room, world.room_id)
        assert room is not None
        room.status = "ended"
    with pytest.raises(RoomEnded):
        await post(world, world.fan, "late")
