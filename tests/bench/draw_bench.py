"""A lucky draw with 100,000 present keyword entrants closes, picks its winners and
publishes them (events through the hub) and its proof, timed.

    python -m tests.bench.draw_bench [--entrants 100000] [--winners 10]
        [--database-url postgresql+asyncpg://...] [--redis-url redis://...]

Without URLs it runs the embedded shape on a fresh SQLite file. The target: the close
and the proof in under a second. Users are bulk-inserted first (not timed).

A PostgreSQL database must be the bench's own (its name starts with ``bench``): every
table is emptied before and after the run, so runs repeat. Handles carry a per-run tag
and the Redis keys a per-run prefix under ``--prefix``, deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from livecommerce.accounts.tokens import Principal
from livecommerce.draws import commands, fairness
from livecommerce.draws.desk import DrawDesk
from livecommerce.draws.entries import DrawRef, Entries, MemoryEntries, RedisEntries
from livecommerce.draws.service import DrawTerms, get_draw
from livecommerce.hub import Hub
from livecommerce.storage.db import Database
from livecommerce.storage.keys import Keys
from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import Product, Room, RoomProduct, User, utcnow
from tests import services


async def _empty(url: str) -> None:
    """Empty every table of the bench's own PostgreSQL database (SQLite is a fresh file)."""
    if url.startswith("postgresql"):
        await services.truncate_all(url)


def _own(url: str) -> str:
    name = make_url(url).database or ""
    if url.startswith("postgresql") and not name.startswith("bench"):
        raise SystemExit(f"{name!r} is not a bench database (its tables are emptied)")
    return url


@dataclass(frozen=True, slots=True)
class _Shop:
    room_id: int
    product_id: int
    host: Principal
    users: list[int]


async def _shop(db: Database, entrants: int, tag: str) -> _Shop:
    now = utcnow()
    rows = [
        {"handle": f"{tag}u{i}", "display_name": f"U{i}", "password_hash": "x",
         "role": ("merchant", "host")[i] if i < 2 else "viewer", "created_at": now}
        for i in range(entrants + 2)
    ]  # fmt: skip
    async with db.unit_of_work() as uow:
        conn = await uow.session.connection()
        ids = list((await conn.execute(insert(User).returning(User.id), rows)).scalars())
    merchant, host, users = ids[0], ids[1], ids[2:]
    async with db.unit_of_work() as uow:
        conn = await uow.session.connection()
        pid = (await conn.execute(insert(Product).returning(Product.id), [{
            "merchant_id": merchant, "title": "Tea", "description": "", "image_url": "",
            "price_cents": 1999, "currency": "CNY", "stock_on_hand": 1000, "deleted": False,
            "created_at": now}])).scalar_one()  # fmt: skip
        rid = (await conn.execute(insert(Room).returning(Room.id), [{
            "merchant_id": merchant, "host_id": host, "title": "Bench", "status": "live",
            "scheduled_at": now, "started_at": now, "slow_mode_seconds": 0,
            "blocked_words": ""}])).scalar_one()  # fmt: skip
        await conn.execute(
            insert(RoomProduct), [{"room_id": rid, "product_id": pid, "position": 0}]
        )
    return _Shop(rid, pid, Principal(user_id=host, handle=f"{tag}u1", role="host"), users)


async def _forget_keys(redis: Redis, prefix: str) -> None:
    doomed = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    for start in range(0, len(doomed), 1000):
        await redis.delete(*doomed[start : start + 1000])


async def run(args: argparse.Namespace) -> None:
    url = _own(args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'b.db'}")
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await _empty(url)
    redis = Redis.from_url(args.redis_url) if args.redis_url else None
    tag = f"r{time.time_ns() % 10**9}-"
    keys = Keys(f"{args.prefix}{tag}")
    hub = Hub(keys, redis, "bench")
    await hub.start()
    db.sink = hub
    try:
        await _measure(args, db, redis, keys, tag)
    finally:
        await hub.stop()
        await _empty(url)
        if redis is not None:
            await _forget_keys(redis, keys.prefix)
            await redis.aclose()
        await db.dispose()


async def _measure(
    args: argparse.Namespace, db: Database, redis: Redis | None, keys: Keys, tag: str
) -> None:
    entries: Entries = RedisEntries(redis, keys) if redis else MemoryEntries()
    desk = DrawDesk(db, entries, lambda room_id: set())
    shop = await _shop(db, args.entrants, tag)
    rid, users = shop.room_id, shop.users
    terms = DrawTerms("product", shop.product_id, args.winners, 60, "keyword", keyword="抽我")
    view = await commands.start(desk, caller=shop.host, room_id=rid, terms=terms)
    ref = DrawRef(rid, view.draw.id)
    closes = view.draw.closes_at.timestamp()
    await entries.enter({ref: set(users)})
    for start in range(0, len(users), 10_000):
        await entries.seen(ref, users[start : start + 10_000], at=closes, seconds=60)
    began = time.perf_counter()
    picks = await commands.close(desk, ref, now=view.draw.closes_at + timedelta(seconds=1))
    closed = time.perf_counter()
    async with db.read() as session:
        proof = json.dumps((await get_draw(session, ref.draw_id)).proof())
    published = time.perf_counter()
    verdict = fairness.verify(json.loads(proof))
    assert picks is not None and verdict.ok and len(verdict.winners) == args.winners
    shape = "scaled" if redis else "embedded"
    print(f"{shape}: {args.entrants} entrants, {args.winners} winners")
    print(f"close (gather, hash, pick, write, publish events): {closed - began:.3f} s")
    print(f"proof read and serialised ({len(proof) / 1e6:.1f} MB): {published - closed:.3f} s")
    print(f"total: {published - began:.3f} s (target < 1 s); verifier agrees: {verdict.ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entrants", type=int, default=100_000)
    parser.add_argument("--winners", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--prefix", default="bdraws:", help="Redis key prefix of the runs")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
