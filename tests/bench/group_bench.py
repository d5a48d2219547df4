"""Group-buy benchmark: a last-seat rush on one node with PostgreSQL and Redis.

``--groups`` groups of ``--size`` are opened (one leader each, paid), then ``--buyers``
buyers join random groups all at once through the real use case (seat gate, then the
conditional update), with ``--concurrency`` joins in flight. Winners pay; the clock is
moved past the time limit and the timer's passes run. Then it checks, from the rows:
no group over its size, and every paid member is either in a completed group or
refunded (exactly one refund row each). The same rush runs against the ``locking``
baseline: no gate, every attempt takes the group's row lock in the database.
In process (no HTTP), so the figures are of the group path itself.

    python -m tests.bench.group_bench --buyers 5000 --groups 1000 --size 3
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import DomainError
from livecommerce.groups import closing, commands
from livecommerce.groups.desk import GroupDesk
from livecommerce.groups.gate import GroupRef, GroupState, OfferState, Seat, SeatResult
from livecommerce.groups.runtime import build_groups
from livecommerce.orders import payment
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import MemoryGate
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import (
    Address,
    GroupBuy,
    GroupMember,
    Order,
    Product,
    Refund,
    Room,
    RoomProduct,
    User,
)  # fmt: skip
from tests import services

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class LockingGate:
    """The baseline: no gate at all; the database's row lock decides every attempt."""

    async def load_offer(self, offer: OfferState) -> None: ...
    async def load_group(self, group: GroupState) -> None: ...
    async def release(self, ref: GroupRef, *, buyer_id: int) -> int:
        return 0

    async def close(self, ref: GroupRef) -> None: ...
    async def join(
        self, ref: GroupRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> SeatResult:
        return SeatResult(Seat.RESERVED, 1)


async def _seed(db: Database, buyers: int) -> tuple[int, int, int, list[int]]:
    async with db.unit_of_work() as uow:
        s = uow.session
        merchant = User(handle="bench_m", display_name="M", password_hash="x", role="merchant")
        s.add(merchant)
        await s.flush()
        product = Product(merchant_id=merchant.id, title="Tea", price_cents=1999,
                          stock_on_hand=10**8)  # fmt: skip
        room = Room(merchant_id=merchant.id, host_id=merchant.id, title="Show",
                    scheduled_at=NOW, status="live")  # fmt: skip
        s.add_all([product, room])
        await s.flush()
        s.add(RoomProduct(room_id=room.id, product_id=product.id, position=0))
        people = [User(handle=f"bench_{i}", display_name=f"B{i}", password_hash="x",
                       role="viewer") for i in range(buyers)]  # fmt: skip
        s.add_all(people)
        await s.flush()
        s.add_all(Address(user_id=u.id, name="B", phone="13812345678", region="SH",
                          detail="1", is_default=True) for u in people)  # fmt: skip
        return merchant.id, room.id, product.id, [u.id for u in people]


async def _pay(desk: GroupDesk, buyer: int, order_id: int) -> None:
    await payment.pay_order(desk.checkout, payment.SandboxProvider(), buyer_id=buyer,
                            order_id=order_id)  # fmt: skip


async def _run(target: str, ns: argparse.Namespace) -> dict[str, Any]:
    await services.truncate_all(ns.database_url)
    prefix = services.redis_prefix()
    db = Database(ns.database_url)
    redis = await services.connect(ns.redis_url)
    clock = Clock()
    checkout = Checkout(db, MemoryGate(), clock=clock)
    desk = build_groups(checkout, redis, Keys(prefix), Settings(secret_key="bench"))
    if target == "locking":
        desk.gate = LockingGate()
    try:
        merchant, room_id, _, people = await _seed(db, ns.groups + ns.buyers)
        offer_id = await _seed_offer(desk, merchant, room_id)
        leaders, rushers = people[: ns.groups], people[ns.groups :]
        group_ids = []
        for leader in leaders:
            opened = await commands.open_group(desk, buyer_id=leader, offer_id=offer_id,
                                               quantity=1, key="lead")  # fmt: skip
            await _pay(desk, leader, opened.order.id)
            group_ids.append(opened.group.id)
        rng = random.Random(7)
        picks = [(b, rng.choice(group_ids)) for b in rushers]
        gate = asyncio.Semaphore(ns.concurrency)
        won: list[tuple[int, int]] = []
        refused = 0

        async def one(buyer: int, group_id: int) -> None:
            nonlocal refused
            async with gate:
                try:
                    joined = await commands.join_group(desk, buyer_id=buyer, group_id=group_id,
                                                       quantity=1, key="rush")  # fmt: skip
                    won.append((buyer, joined.order.id))
                except DomainError:
                    refused += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(b, g) for b, g in picks))
        seconds = time.perf_counter() - started
        for buyer, order_id in won:
            if rng.random() < ns.pay_share:
                await _pay(desk, buyer, order_id)
        clock.now += timedelta(hours=2)
        while await closing.sweep(desk, now=clock.now):
            pass
        return {"joins_per_s": round(len(picks) / seconds), "seconds": round(seconds, 2),
                "won": len(won), "refused": refused, **await _check(db)}  # fmt: skip
    finally:
        await db.dispose()
        await redis.aclose()
        await services.delete_prefix(ns.redis_url, prefix)


async def _seed_offer(desk: GroupDesk, merchant: int, room_id: int) -> int:
    async with desk.db.read() as session:
        product_id = await session.scalar(select(Product.id).where(Product.merchant_id == merchant))
    assert product_id is not None
    offer = await commands.create_offer(
        desk, caller=Principal(merchant, "bench_m", "merchant"), room_id=room_id,
        product_id=product_id, price_cents=999, size=3, stock=10**6, per_user_limit=1,
        duration_seconds=3600,
    )  # fmt: skip
    return offer.id


async def _check(db: Database) -> dict[str, Any]:
    """The invariants, read back from the rows."""
    async with db.read() as s:
        over = await s.scalar(select(func.count()).select_from(GroupBuy)
                              .where(GroupBuy.seats_taken > GroupBuy.size))  # fmt: skip
        members = (await s.execute(
            select(GroupMember.order_id, GroupBuy.status, Order.status)
            .join(GroupBuy, GroupBuy.id == GroupMember.group_id)
            .join(Order, Order.id == GroupMember.order_id).where(GroupMember.paid.is_(True))
        )).all()  # fmt: skip
        refunds = dict((await s.execute(
            select(Refund.order_id, func.count()).group_by(Refund.order_id)
        )).all())  # fmt: skip
        statuses = dict((await s.execute(
            select(GroupBuy.status, func.count()).group_by(GroupBuy.status)
        )).all())  # fmt: skip
    bad = [
        o for o, group, order in members
        if not ((group == "completed" and order == "paid" and o not in refunds)
                or (order == "refunded" and refunds.get(o) == 1))
    ]  # fmt: skip
    return {"groups_over_size": over, "paid_members": len(members), "bad_members": len(bad),
            "groups": statuses}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pay-share", type=float, default=0.8, help="winners who pay")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--targets", default="gate,locking")
    ns = parser.parse_args()
    asyncio.run(_main(ns))


async def _main(ns: argparse.Namespace) -> None:
    base = ns.database_url
    ns.database_url = await services.create_postgres_database(base)
    rates: dict[str, list[int]] = {}
    try:
        for run in range(ns.runs):
            for target in ns.targets.split(","):
                result = await _run(target, ns)
                rates.setdefault(target, []).append(result["joins_per_s"])
                print(f"run {run + 1} {target:8} {result}", flush=True)
                assert result["groups_over_size"] == 0 and result["bad_members"] == 0, result
    finally:
        await services.drop_postgres_database(base, ns.database_url)
    medians = {t: statistics.median(r) for t, r in rates.items()}
    for target, rate in medians.items():
        print(f"median {target:8} joins/s {rate}")
    if "gate" in medians and "locking" in medians:
        print(f"gate / locking throughput: {medians['gate'] / medians['locking']:.2f}x")


if __name__ == "__main__":
    main()
