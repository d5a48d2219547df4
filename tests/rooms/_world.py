"""A room with a merchant, a host and a viewer, for the chat and moderation tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from livecommerce.accounts.tokens import Principal
from livecommerce.resources import Resources
from tests.users import Account, room, signup


@dataclass
class RoomWorld:
    resources: Resources
    room_id: int
    host: Principal
    fan: Principal
    other: Principal


def principal(account: Account) -> Principal:
    return Principal(account.id, account.handle, account.role)


async def make_world(app: FastAPI, client: httpx.AsyncClient) -> RoomWorld:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    fan = await signup(client, "fan", "viewer")
    other = await signup(client, "bob", "viewer")
    rid = (await room(client, shop, host, []))["id"]
    return RoomWorld(app.state.resources, rid, principal(host), principal(fan), principal(other))
