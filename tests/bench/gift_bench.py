"""A gift rush in one room against PostgreSQL: the real path beside a naive baseline.

N senders (each with their own wallet) start together and send gifts into one room as
fast as they can, each send with its own Idempotency-Key; some sends are replayed
later (a retry) and some are fired twice at once (a double tap), so a share of the
requests must be answered from the first send and billed once. The figures are
requests per second and the p50/p99 latency of one request.

``ledger``: ``gifts.commands.send_gift``, the path the API runs: a conditional UPDATE of
the sender's own wallet row, insert-only postings (the host's payable account is a sum
of rows, not a stored counter), the send row and its event, one transaction.

``naive``: ``tests.bench.gift_baseline``: row locks on the wallet and on the host's one
balance row, which every send of the room queues on.

After every run the books are checked from the rows: every transfer sums to zero (so
do all postings), each stored wallet balance equals its postings and its funding less
its sends, the host's and the platform's accounts equal the sends' shares, one send
and one transfer per key (replays billed once), and the naive counter equals the sum.

    python -m tests.bench.gift_bench --senders 1000 --sends 5 --runs 3 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_gifts

The database must be the bench's own (its name starts with ``bench``): every table is
emptied before each run and after the last. The modes alternate, naive first.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from livecommerce.accounts.tokens import Principal
from livecommerce.gifts import commands, ledger
from livecommerce.gifts.combos import RoomRate
from livecommerce.gifts.runtime import GiftPolicy, GiftRuntime
from livecommerce.storage.db import Database
from livecommerce.storage.gift_models import (
    Gift,
    GiftSend,
    LedgerAccount,
    LedgerPosting,
    LedgerTransfer,
    Wallet,
)
from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import Room, User
from tests import services
from tests.bench import gift_baseline

POLICY = GiftPolicy(max_per_send=10**9, max_per_day=10**12, max_per_month=10**12)
FUND = 10**7
"""Each sender's top-up: plenty for every send of a run."""


@dataclass(frozen=True, slots=True)
class World:
    room_id: int
    gift_id: int
    host_id: int
    senders: list[int]


@dataclass(slots=True)
class Tally:
    latencies: list[float] = field(default_factory=list)
    replayed: int = 0
    took: float = 0.0


async def _world(db: Database, gifts: GiftRuntime, senders: int) -> World:
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
            acc = await ledger.credit_wallet(s, gifts.accounts, fan.id, FUND)
            await ledger.post(s, kind="top_up", reference=f"bench:{fan.id}",
                              postings={funding: -FUND, acc: FUND})  # fmt: skip
        await ledger.account_id(s, gifts.accounts, ledger.code_of(ledger.HOST_PAYABLE, host.id),
                                user_id=host.id)  # fmt: skip
        return World(room.id, gift.id, host.id, [u.id for u in users[2:]])


async def _ledger(gifts: GiftRuntime, sender: int, room_id: int, gift_id: int, key: str) -> bool:
    caller = Principal(sender, f"u{sender}", "viewer")
    sent = await commands.send_gift(gifts, caller=caller, room_id=room_id, gift_id=gift_id,
                                    quantity=1, key=key)  # fmt: skip
    return sent.replayed


SENDS = {"naive": gift_baseline.naive_send, "ledger": _ledger}


async def _rush(mode: str, gifts: GiftRuntime, world: World, args: argparse.Namespace) -> Tally:
    send, tally, go = SENDS[mode], Tally(), asyncio.Event()
    # A node serves as many sends at once as its pool holds and queues the rest (FIFO),
    # as a server would; a request's time includes its wait in that queue.
    serving = asyncio.Semaphore(2 * args.pool)

    async def one(user: int, key: str) -> None:
        began = time.perf_counter()
        async with serving:
            replayed = await send(gifts, user, world.room_id, world.gift_id, key)
        tally.latencies.append(time.perf_counter() - began)
        tally.replayed += replayed  # after the await: ``+= await`` would lose updates

    async def sender(user: int) -> None:
        dice = random.Random(user)
        await go.wait()
        for n in range(args.sends):
            if dice.random() < args.replays / 2:  # a double tap: the same key twice at once
                await asyncio.gather(one(user, f"k{n}"), one(user, f"k{n}"))
            else:
                await one(user, f"k{n}")
            if dice.random() < args.replays:  # a retry of an earlier send
                await one(user, f"k{dice.randrange(n + 1)}")

    began = time.perf_counter()
    async with asyncio.TaskGroup() as senders:  # one failure cancels the rest
        for user in world.senders:
            senders.create_task(sender(user))
        await asyncio.sleep(0)
        began = time.perf_counter()
        go.set()
    tally.took = time.perf_counter() - began
    return tally


async def _sum(db: Database, query: object) -> int:
    async with db.read() as s:
        return int(await s.scalar(query) or 0)  # type: ignore[call-overload]


async def _problems(db: Database, world: World, mode: str, tally: Tally, sends: int) -> list[str]:
    """What the rows say is wrong with the books after a run (nothing, we hope)."""
    total = func.coalesce(func.sum(LedgerPosting.amount_cents), 0)
    expected = len(world.senders) * sends
    async with db.read() as s:
        unbalanced = await s.scalar(select(func.count()).select_from(
            select(LedgerPosting.transfer_id).group_by(LedgerPosting.transfer_id)
            .having(func.sum(LedgerPosting.amount_cents) != 0).subquery()))  # fmt: skip
        wallets = select(Wallet.user_id, Wallet.balance_cents, Wallet.account_id).subquery()
        posted = (select(total).where(LedgerPosting.account_id == wallets.c.account_id)
                  .scalar_subquery())  # fmt: skip
        spent = (select(func.coalesce(func.sum(GiftSend.amount_cents), 0))
                 .where(GiftSend.sender_id == wallets.c.user_id).scalar_subquery())  # fmt: skip
        off_postings = await s.scalar(select(func.count()).select_from(wallets)
                                      .where(wallets.c.balance_cents != posted))  # fmt: skip
        off_sends = await s.scalar(select(func.count()).select_from(wallets)
                                   .where(wallets.c.balance_cents != FUND - spent))  # fmt: skip
        host = await s.scalar(select(LedgerAccount.id).where(
            LedgerAccount.code == ledger.code_of(ledger.HOST_PAYABLE, world.host_id)))  # fmt: skip
        fee = await s.scalar(select(LedgerAccount.id).where(
            LedgerAccount.code == ledger.PLATFORM_FEE))  # fmt: skip
    gifts_billed = select(func.count(LedgerTransfer.id)).where(LedgerTransfer.kind == "gift")
    checks = {
        "transfers not summing to zero": (int(unbalanced or 0), 0),
        "all postings sum": (await _sum(db, select(total)), 0),
        "wallets whose stored balance is not their postings": (int(off_postings or 0), 0),
        "wallets whose balance is not funding less sends": (int(off_sends or 0), 0),
        "gift sends (one per key)": (await _sum(db, select(func.count(GiftSend.id))), expected),
        "gift transfers (billed once)": (await _sum(db, gifts_billed), expected),
        "replayed answers": (tally.replayed, len(tally.latencies) - expected),
        "host payable = sends' host shares": (
            await _sum(db, select(total).where(LedgerPosting.account_id == host)),
            await _sum(db, select(func.sum(GiftSend.amount_cents - GiftSend.fee_cents))),
        ),
        "platform fee = sends' fees": (
            await _sum(db, select(total).where(LedgerPosting.account_id == fee)),
            await _sum(db, select(func.sum(GiftSend.fee_cents))),
        ),
    }
    if mode == "naive":
        payable = checks["host payable = sends' host shares"][1]
        checks["naive counter = host payable"] = (
            await gift_baseline.counter(db, int(host or 0)),
            payable,
        )
    return [f"{name}: {got} != {want}" for name, (got, want) in checks.items() if got != want]


def _line(mode: str, run: int, tally: Tally, senders: int) -> tuple[float, float]:
    lat = sorted(tally.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    p50 = lat[len(lat) // 2] * 1000
    rate = len(lat) / tally.took
    print(f"run {run} {mode:6} senders={senders} requests={len(lat)} replayed={tally.replayed} "
          f"{rate:7.0f} req/s  p50={p50:7.1f} ms  p99={p99:7.1f} ms  ({tally.took:.2f} s)",
          flush=True)  # fmt: skip
    return rate, p99


async def _one_run(db: Database, url: str, mode: str, run: int,
                   args: argparse.Namespace) -> tuple[float, float]:  # fmt: skip
    await services.truncate_all(url)
    gifts = GiftRuntime(db=db, policy=POLICY, rate=RoomRate(10**9, time.monotonic))
    world = await _world(db, gifts, args.senders)
    tally = await _rush(mode, gifts, world, args)
    figures = _line(mode, run, tally, args.senders)
    problems = await _problems(db, world, mode, tally, args.sends)
    print("  books: " + ("; ".join(problems) if problems else "balanced, every counter recomputes"))
    if problems:
        raise SystemExit(1)
    return figures


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    if not (make_url(url).database or "").startswith("bench"):
        raise SystemExit(f"{url}: not a bench database (its tables are emptied)")
    await asyncio.to_thread(upgrade, url)
    db = Database(url, pool_size=args.pool)
    await gift_baseline.add_counter(db)
    figures: dict[str, list[tuple[float, float]]] = {"naive": [], "ledger": []}
    try:
        for run in range(1, args.runs + 1):
            for mode in figures:
                figures[mode].append(await _one_run(db, url, mode, run, args))
    finally:
        await services.truncate_all(url)
        await gift_baseline.drop_counter(db)
        await db.dispose()
    for mode, runs in figures.items():
        rate = statistics.median(r for r, _ in runs)
        p99 = statistics.median(p for _, p in runs)
        print(f"median of {len(runs)} {mode:6}: {rate:7.0f} req/s  p99={p99:7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=5, help="first sends per sender")
    parser.add_argument(
        "--replays",
        type=float,
        default=0.1,
        help="chance of a retry after each send (half of it: a double tap)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--pool", type=int, default=10, help="connection pool (it may overflow to twice this)"
    )
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_gifts"
    )
    asyncio.run(main(parser.parse_args()))
