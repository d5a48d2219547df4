"""Fixtures for the order tests: gates on memory and real Redis, and a seeded database
with a live flash sale, in both deployment shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from livecommerce.events.base import Emitted
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import MemoryGate, StockGate
from livecommerce.orders.reconcile import reconcile_sale
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import Address, FlashSale, Product, Room, RoomProduct, User
from tests import services

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def redis_keys() -> Keys:
    """A key prefix of this test's own, so tests sharing one Redis never meet."""
    return Keys(prefix=services.redis_prefix())


@pytest.fixture
async def redis_client(redis_url: str, redis_keys: Keys) -> AsyncIterator[Redis]:
    client = await services.connect(redis_url)
    try:
        yield client
    finally:
        await client.aclose()
        await services.delete_prefix(redis_url, redis_keys.prefix)


@pytest.fixture
async def cluster_client(redis_cluster_url: str, redis_keys: Keys) -> AsyncIterator[Redis]:
    client = await services.connect(redis_cluster_url)
    try:
        yield client
    finally:
        await client.aclose()
        await services.delete_prefix(redis_cluster_url, redis_keys.prefix)


@pytest.fixture(params=["memory", "redis", "cluster"])
def gate(request: pytest.FixtureRequest, redis_keys: Keys) -> StockGate:
    if request.param == "memory":
        return MemoryGate()
    name = "redis_client" if request.param == "redis" else "cluster_client"
    client: Redis = request.getfixturevalue(name)
    return RedisGate(client, redis_keys)


class Clock:
    """A settable clock, so windows and expiry are tested without sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Recorder:
    """An EventSink that keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str, dict[str, Any]]] = []
        self.private: list[tuple[int, int, str, dict[str, Any]]] = []

    async def deliver(self, events: Sequence[Emitted]) -> None:
        for e in events:
            if e.user_id is None:
                self.events.append((e.room_id, e.type, dict(e.data)))
            else:
                self.private.append((e.room_id, e.user_id, e.type, dict(e.data)))

    def types(self) -> list[str]:
        return [t for _, t, _ in self.events]


@dataclass
class World:
    db: Database
    checkout: Checkout
    clock: Clock
    events: Recorder
    merchant_id: int
    buyer_ids: list[int]
    room_id: int
    product_id: int
    make_sale: Callable[..., Awaitable[int]]


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    """Users, a room with one shelf product, and a factory for live flash sales."""
    db = Database(settings.database_url)
    events = Recorder()
    db.sink = events
    redis = await services.connect(settings.redis_url) if settings.redis_url else None
    gate: StockGate = RedisGate(redis, Keys(settings.redis_prefix)) if redis else MemoryGate()
    clock = Clock(NOW)
    checkout = Checkout(db, gate, clock=clock)
    async with db.unit_of_work() as uow:
        users = [User(handle=f"u{i}", display_name=f"U{i}", password_hash="x",
                      role="merchant" if i == 0 else "viewer") for i in range(6)]  # fmt: skip
        uow.session.add_all(users)
        await uow.session.flush()
        product = Product(merchant_id=users[0].id, title="Tea", price_cents=1999,
                          stock_on_hand=1000)  # fmt: skip
        uow.session.add(product)
        await uow.session.flush()
        room = Room(merchant_id=users[0].id, host_id=users[0].id, title="Show",
                    scheduled_at=NOW, status="live")  # fmt: skip
        uow.session.add(room)
        await uow.session.flush()
        uow.session.add(RoomProduct(room_id=room.id, product_id=product.id, position=0))
        # Every buyer has a default address, so paying needs no extra step in these tests.
        uow.session.add_all(
            Address(user_id=u.id, name=f"U{i}", phone="13812345678", region="Shanghai",
                    detail=f"{i} Nanjing Road", is_default=True)
            for i, u in enumerate(users[1:], 1)
        )  # fmt: skip
    room_id, product_id = room.id, product.id

    async def make_sale(
        *, quantity: int = 3, limit: int = 2, status: str = "live", minutes: float = 10,
        starts_in: float = -1,
    ) -> int:  # fmt: skip
        async with db.unit_of_work() as uow:
            sale = FlashSale(
                room_id=room_id, product_id=product_id, price_cents=999, quantity=quantity,
                sold=0, per_user_limit=limit, status=status,
                starts_at=clock.now + timedelta(minutes=starts_in),
                ends_at=clock.now + timedelta(minutes=starts_in + minutes),
            )  # fmt: skip
            uow.session.add(sale)
        await reconcile_sale(checkout, sale.id)
        return sale.id

    yield World(db, checkout, clock, events, users[0].id, [u.id for u in users[1:]],
                room_id, product_id, make_sale)  # fmt: skip
    await db.dispose()
    if redis is not None:
        await redis.aclose()
