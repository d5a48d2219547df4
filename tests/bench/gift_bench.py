"""Gift sends in one room against PostgreSQL: the real path beside a naive baseline.

N concurrent senders (each with their own wallet) send gifts into one room as fast as
they can; the figure is sends per second and the p99 latency of one send.

``ledger``: ``gifts.commands.send_gift``, the path the API runs: a conditional UPDATE of
the sender's own wallet row, insert-only postings (the host's payable account is a sum
of rows, not a stored counter), the send row and its event, one transaction.

``naive``: the textbook version: ``SELECT ... FOR UPDATE`` on the wallet row and on the
host's single balance row, the balance recomputed with ``SUM`` over the wallet's
postings, and the host's counter updated in place. Every send of the room queues on
the host's row.

    python -m tests.bench.gift_bench --senders 50 --sends 20
    (LIVECOMMERCE_TEST_DATABASE_URL names the server; a fresh database is made and dropped)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from livecommerce.accounts.tokens import Principal
from livecommerce.gifts import commands, ledger
from livecommerce.gifts.combos import RoomRate
from livecommerce.gifts.runtime import GiftPolicy, GiftRuntime
from livecommerce.storage.db import Database
from livecommerce.storage.gift_models import Gift, GiftSend, LedgerAccount, LedgerPosting, Wallet
from livecommerce.storage.models import Room, User
from tests import services

POLICY = GiftPolicy(max_per_send=10**9, max_per_day=10**12, max_per_month=10**12)


async def _world(db: Database, gifts: GiftRuntime, senders: int) -> tuple[int, int, list[int]]:
    async with db.unit_of_work() as uow:
        s = uow.session
        users = [User(handle=f"u{i}", display_name=f"U{i}", password_hash="x", role="viewer")
                 for i in range(senders + 2)]  # fmt: skip
        s.add_all(users)
        await s.flush()
        merchant, host = users[0], users[1]
        room = Room(merchant_id=merchant.id, host_id=host.id, title="bench",
                    scheduled_at=datetime.now(UTC), status="live")  # fmt: skip
        gift = Gift(merchant_id=merchant.id, name="Rose", price_cents=100)
        s.add_all([room, gift])
        await s.flush()
        funding = await ledger.account_id(s, gifts.accounts, ledger.PLATFORM_FUNDING)
        for fan in users[2:]:
            acc = await ledger.credit_wallet(s, gifts.accounts, fan.id, 10**9)
            await ledger.post(s, kind="top_up", reference=f"bench:{fan.id}",
                              postings={funding: -(10**9), acc: 10**9})  # fmt: skip
        await ledger.account_id(s, gifts.accounts, ledger.code_of(ledger.HOST_PAYABLE, host.id),
                                user_id=host.id)  # fmt: skip
        # The naive path's single balance row: a stored counter on the host's account.
        await s.execute(text("ALTER TABLE ledger_account ADD COLUMN IF NOT EXISTS "
                             "bench_balance bigint NOT NULL DEFAULT 0"))  # fmt: skip
        return room.id, gift.id, [u.id for u in users[2:]]


async def _naive(gifts: GiftRuntime, sender: int, room_id: int, gift_id: int, key: str) -> None:
    async with gifts.db.unit_of_work() as uow:
        s = uow.session
        wallet = (await s.execute(select(Wallet).where(Wallet.user_id == sender)
                                  .with_for_update())).scalar_one()  # fmt: skip
        room = await s.get(Room, room_id)
        gift = await s.get(Gift, gift_id)
        assert room is not None and gift is not None
        code = ledger.code_of(ledger.HOST_PAYABLE, room.host_id)
        host = (await s.execute(select(LedgerAccount).where(LedgerAccount.code == code)
                                .with_for_update())).scalar_one()  # fmt: skip
        held = await s.scalar(select(func.coalesce(func.sum(LedgerPosting.amount_cents), 0))
                              .where(LedgerPosting.account_id == wallet.account_id))  # fmt: skip
        amount, fee = gift.price_cents, gifts.policy.fee(gift.price_cents)
        assert int(held or 0) >= amount
        fee_acc = await ledger.account_id(s, gifts.accounts, ledger.PLATFORM_FEE)
        transfer = await ledger.post(s, kind="gift", reference=f"naive:{sender}:{key}",
                                     postings={wallet.account_id: -amount,
                                               host.id: amount - fee, fee_acc: fee})  # fmt: skip
        wallet.balance_cents -= amount
        await s.execute(text("UPDATE ledger_account SET bench_balance = bench_balance + :n "
                             "WHERE id = :id"), {"n": amount - fee, "id": host.id})  # fmt: skip
        s.add(GiftSend(sender_id=sender, idempotency_key=key, room_id=room_id,
                       host_id=room.host_id, gift_id=gift_id, quantity=1, amount_cents=amount,
                       fee_cents=fee, status="pending", settle_after=datetime.now(UTC),
                       transfer_id=transfer))  # fmt: skip


async def _ledger(gifts: GiftRuntime, sender: int, room_id: int, gift_id: int, key: str) -> None:
    caller = Principal(sender, f"u{sender}", "viewer")
    await commands.send_gift(gifts, caller=caller, room_id=room_id, gift_id=gift_id,
                             quantity=1, key=key)  # fmt: skip


Send = Callable[[GiftRuntime, int, int, int, str], Awaitable[None]]


async def _run(name: str, send: Send, gifts: GiftRuntime, room_id: int, gift_id: int,
               senders: list[int], sends: int) -> None:  # fmt: skip
    latencies: list[float] = []

    async def sender(user: int) -> None:
        for n in range(sends):
            began = time.perf_counter()
            await send(gifts, user, room_id, gift_id, f"{name}-{n}")
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(sender(u) for u in senders))
    took = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    p50 = latencies[len(latencies) // 2] * 1000
    rate = len(latencies) / took
    print(f"{name:7} senders={len(senders)} sends={len(latencies)} "
          f"{rate:8.0f} sends/s  p50={p50:6.1f} ms  p99={p99:6.1f} ms")  # fmt: skip


async def _check(db: Database) -> None:
    async with db.read() as s:
        unbalanced = await s.scalar(select(func.count()).select_from(
            select(LedgerPosting.transfer_id).group_by(LedgerPosting.transfer_id)
            .having(func.sum(LedgerPosting.amount_cents) != 0).subquery()))  # fmt: skip
        negative = await s.scalar(select(func.count()).where(Wallet.balance_cents < 0))
    print(f"check: transfers not summing to zero={unbalanced}, negative wallets={negative}")


async def main(senders: int, sends: int) -> None:
    base = services.service_url("DATABASE")
    url = await services.create_postgres_database(base)
    db = Database(url, pool_size=max(20, senders // 2))
    try:
        gifts = GiftRuntime(db=db, policy=POLICY, rate=RoomRate(10**9, time.monotonic))
        room_id, gift_id, fans = await _world(db, gifts, senders)
        for name, send in (("naive", _naive), ("ledger", _ledger)):
            await _run(name, send, gifts, room_id, gift_id, fans, sends)
        await _check(db)
    finally:
        await db.dispose()
        await services.drop_postgres_database(base, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--sends", type=int, default=20, help="sends per sender")
    args = parser.parse_args()
    os.environ.setdefault("LIVECOMMERCE_TEST_DATABASE_URL",
                          "postgresql+asyncpg://postgres@127.0.0.1:5432/test")  # fmt: skip
    asyncio.run(main(args.senders, args.sends))
