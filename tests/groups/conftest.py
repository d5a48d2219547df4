"""Fixtures for the group-buy tests: the order tests' seeded world with a group desk
on it (the seat gate on Redis in the scaled shape, in-process in the embedded one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from livecommerce.accounts.tokens import Principal
from livecommerce.groups import commands
from livecommerce.groups.desk import GroupDesk
from livecommerce.groups.gate import MemorySeatGate, SeatGate
from livecommerce.groups.redis_gate import RedisSeatGate
from livecommerce.groups.runtime import build_groups
from livecommerce.groups.views import Joined
from livecommerce.orders import payment
from livecommerce.settings import Settings
from livecommerce.storage.keys import Keys
from tests import services
from tests.orders.conftest import (  # noqa: F401  (fixtures)
    World,
    cluster_client,
    redis_client,
    redis_keys,
    world,
)


@dataclass
class Groups:
    w: World
    desk: GroupDesk
    offer_id: int = 0

    async def offer(self, *, size: int = 3, stock: int = 100, limit: int = 2,
                    seconds: int = 3600) -> int:  # fmt: skip
        caller = Principal(self.w.merchant_id, "u0", "merchant")
        view = await commands.create_offer(
            self.desk, caller=caller, room_id=self.w.room_id, product_id=self.w.product_id,
            price_cents=1500, size=size, stock=stock, per_user_limit=limit,
            duration_seconds=seconds,
        )  # fmt: skip
        self.offer_id = view.id
        return view.id

    async def open(self, buyer: int, key: str = "open", quantity: int = 1) -> Joined:
        return await commands.open_group(
            self.desk, buyer_id=buyer, offer_id=self.offer_id, quantity=quantity, key=key
        )

    async def join(self, buyer: int, group_id: int, key: str = "join", quantity: int = 1) -> Joined:
        return await commands.join_group(
            self.desk, buyer_id=buyer, group_id=group_id, quantity=quantity, key=key
        )

    async def pay(self, buyer: int, order_id: int) -> None:
        await payment.pay_order(
            self.w.checkout, payment.SandboxProvider(), buyer_id=buyer, order_id=order_id
        )


@pytest.fixture
async def groups(world: World, settings: Settings) -> AsyncIterator[Groups]:  # noqa: F811
    redis = await services.connect(settings.redis_url) if settings.redis_url else None
    desk = build_groups(world.checkout, redis, Keys(settings.redis_prefix), settings)
    yield Groups(world, desk)
    if redis is not None:
        await redis.aclose()


@pytest.fixture(params=["memory", "redis", "cluster"])
def seat_gate(request: pytest.FixtureRequest, redis_keys: Keys) -> SeatGate:  # noqa: F811
    if request.param == "memory":
        return MemorySeatGate()
    name = "redis_client" if request.param == "redis" else "cluster_client"
    client: Redis = request.getfixturevalue(name)
    return RedisSeatGate(client, redis_keys)
