"""Tests for livecommerce.rooms.moderation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.rooms import chat, moderation
from livecommerce.rooms import service as rooms
from tests.rooms._world import RoomWorld, make_world


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> RoomWorld:
    return await make_world(app, client)


async def test_viewers_cannot_moderate(world: RoomWorld) -> None:
    """A plain viewer may not mute, delete or change slow mode."""
    async with world.resources.db.unit_of_work() as uow:
        with pytest.raises(PermissionDenied):
            await moderation.restrict(uow, caller=world.fan, room_id=world.room_id,
                                      user="bob", kind="mute", seconds=10)  # fmt: skip
        with pytest.raises(PermissionDenied):
            await moderation.set_slow_mode(uow, caller=world.fan, room_id=world.room_id,
                                           seconds=5)  # fmt: skip


async def test_the_host_cannot_be_banned(world: RoomWorld) -> None:
    """Nobody can mute or ban the room's host."""
    async with world.resources.db.unit_of_work() as uow:
        with pytest.raises(PermissionDenied):
            await moderation.restrict(
                uow,
                caller=world.host,
                room_id=world.room_id,
                user=world.host.user_id,
                kind="ban",
                seconds=None,
            )


async def test_ban_is_active_and_announced(world: RoomWorld) -> None:
    """A ban for the rest of the show is recorded and published as moderation.banned."""
    async with world.resources.db.unit_of_work() as uow:
        until = await moderation.restrict(uow, caller=world.host, room_id=world.room_id,
                                          user="fan", kind="ban", seconds=None)  # fmt: skip
    assert until is None
    async with world.resources.db.read() as session:
        found = await moderation.active_restriction(session, world.room_id,
                                                    world.fan.user_id, kind="ban")  # fmt: skip
        assert found is not None
    [event] = await world.resources.hub.events_since(world.room_id, 0) or []
    assert event.type == "moderation.banned"
    fan = {"id": world.fan.user_id, "handle": "fan", "name": "Fan"}
    assert event.data == {"user": fan, "until": None}


async def test_delete_hides_only_this_rooms_message(world: RoomWorld) -> None:
    """Deleting hides the message and announces it; ids from elsewhere are not found."""
    async with world.resources.db.unit_of_work() as uow:
        view = await chat.post_message(uow, caller=world.fan, room_id=world.room_id, body="x")
    async with world.resources.db.unit_of_work() as uow:
        await moderation.delete_message(uow, caller=world.host, room_id=world.room_id,
                                        message_id=view.id)  # fmt: skip
    async with world.resources.db.read() as session:
        assert await chat.recent_messages(session, world.room_id) == []
    async with world.resources.db.unit_of_work() as uow:
        with pytest.raises(NotFound):
            await moderation.delete_message(uow, caller=world.host, room_id=world.room_id,
                                            message_id=view.id + 1000)  # fmt: skip
    events = await world.resources.hub.events_since(world.room_id, 0) or []
    assert [e.type for e in events] == ["chat.posted", "chat.deleted"]


@pytest.mark.parametrize("seconds", [-1, moderation.MAX_SLOW_MODE_SECONDS + 1])
async def test_slow_mode_bounds(world: RoomWorld, seconds: int) -> None:
    """Slow mode outside its range is refused."""
    async with world.resources.db.unit_of_work() as uow:
        with pytest.raises(InvalidInput):
            await moderation.set_slow_mode(uow, caller=world.host, room_id=world.room_id,
                                           seconds=seconds)  # fmt: skip


async def test_blocked_words_event_gives_the_count_only(world: RoomWorld) -> None:
    """Changing blocked words announces how many, not which."""
    async with world.resources.db.unit_of_work() as uow:
        await moderation.set_blocked_words(uow, caller=world.host, room_id=world.room_id,
                                           words=["a", "B", "b"])  # fmt: skip
    [event] = await world.resources.hub.events_since(world.room_id, 0) or []
    assert (event.type, event.data) == ("moderation.blocked_words_changed", {"count": 2})


async def _moderator_events(world: RoomWorld) -> list[tuple[str, Mapping[str, Any]]]:
    events = await world.resources.hub.events_since(world.room_id, 0) or []
    return [(e.type, e.data) for e in events if "moderator" in e.type]


async def test_moderator_changes_are_announced_once(world: RoomWorld) -> None:
    """Adding and removing a moderator are events (open sockets act on them); adding
    twice or removing a non-moderator announces nothing."""
    fan = {"id": world.fan.user_id, "handle": "fan", "name": "Fan"}
    for _ in range(2):
        async with world.resources.db.unit_of_work() as uow:
            await rooms.add_moderator(uow, caller=world.host, room_id=world.room_id,
                                      user_id=world.fan.user_id)  # fmt: skip
    for _ in range(2):
        async with world.resources.db.unit_of_work() as uow:
            await rooms.remove_moderator(uow, caller=world.host, room_id=world.room_id,
                                         user_id=world.fan.user_id)  # fmt: skip
    assert await _moderator_events(world) == [
        ("moderation.moderator_added", {"user": fan, "privileged": True}),
        ("moderation.moderator_removed", {"user": fan, "privileged": False}),
    ]
    async with world.resources.db.read() as session:
        assert not await rooms.is_moderator(session, world.room_id, world.fan.user_id)


async def test_the_host_still_sees_all_after_losing_the_moderator_title(
    world: RoomWorld,
) -> None:
    """Removing the host from the moderators leaves their sockets privileged."""
    async with world.resources.db.unit_of_work() as uow:
        await rooms.add_moderator(uow, caller=world.host, room_id=world.room_id,
                                  user_id=world.host.user_id)  # fmt: skip
    async with world.resources.db.unit_of_work() as uow:
        await rooms.remove_moderator(uow, caller=world.host, room_id=world.room_id,
                                     user_id=world.host.user_id)  # fmt: skip
    [_, (kind, data)] = await _moderator_events(world)
    assert kind == "moderation.moderator_removed" and data["privileged"] is True
