"""A lucky draw with 100,000 present keyword entrants closes, picks its winners and
publishes them (events through the hub) and its proof, timed.

    python -m tests.bench.draw_bench [--entrants 100000] [--winners 10]
        [--database-url postgresql+asyncpg://...] [--redis-url redis://...]

Without URLs it runs the embedded shape on a fresh SQLite file. The target: the close
and the proof in under a second. Users are bulk-inserted first (not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import insert

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


async def _shop(db: Database, entrants: int) -> tuple[int, int, list[int]]:
    async with db.unit_of_work() as uow:
        conn = await uow.session.connection()
        now = utcnow()
        rows = [
            {"handle": f"u{i}", "display_name": f"U{i}", "password_hash": "x", "role": "viewer",
             "created_at": now}
            for i in range(entrants + 2)
        ]  # fmt: skip
        await conn.execute(insert(User), rows)
    async with db.unit_of_work() as uow:
        conn = await uow.session.connection()
        now = utcnow()
        pid = (await conn.execute(insert(Product).returning(Product.id), [{
            "merchant_id": 1, "title": "Tea", "description": "", "image_url": "",
            "price_cents": 1999, "currency": "CNY", "stock_on_hand": 1000, "deleted": False,
            "created_at": now}])).scalar_one()  # fmt: skip
        rid = (await conn.execute(insert(Room).returning(Room.id), [{
            "merchant_id": 1, "host_id": 2, "title": "Bench", "status": "live",
            "scheduled_at": now, "started_at": now, "slow_mode_seconds": 0,
            "blocked_words": ""}])).scalar_one()  # fmt: skip
        await conn.execute(
            insert(RoomProduct), [{"room_id": rid, "product_id": pid, "position": 0}]
        )
    return rid, pid, list(range(3, entrants + 3))


async def run(args: argparse.Namespace) -> None:
    url = args.database_url
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    redis = Redis.from_url(args.redis_url) if args.redis_url else None
    keys = Keys(f"bench-draw-{time.time_ns()}:")
    hub = Hub(keys, redis, "bench")
    await hub.start()
    db.sink = hub
    entries: Entries = RedisEntries(redis, keys) if redis else MemoryEntries()
    desk = DrawDesk(db, entries, lambda room_id: set())
    rid, pid, users = await _shop(db, args.entrants)
    host = Principal(user_id=2, handle="u1", role="host")
    terms = DrawTerms("product", pid, args.winners, 60, "keyword", keyword="抽我")
    view = await commands.start(desk, caller=host, room_id=rid, terms=terms)
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
    await hub.stop()
    if redis is not None:
        await redis.aclose()
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entrants", type=int, default=100_000)
    parser.add_argument("--winners", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
