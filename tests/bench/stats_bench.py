"""How fast a big show's stats answer: seed one show with ``--rows`` ledger rows (1 million
by default) and time its stats endpoints, on SQLite and (with ``--postgres``) PostgreSQL.

The rows look like a two-hour show on a few nodes: watch sessions (joins and leaves of
many distinct viewers), the nodes' flushed beacon counters per product, viewer samples,
orders through every step, and the host's timeline. The per-minute rollup is written from
the same rows by the same ``rollup.fold`` the nodes use. Each endpoint is called through
the app (routing, auth, JSON) ``--requests`` times; the issue's budget is 200 ms.

    python -m tests.bench.stats_bench --rows 1000000 \\
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_analytics
    python -m tests.bench.stats_bench --rows 20000 --requests 5   # smoke

The rows go in bulk (COPY on PostgreSQL, one executemany on SQLite): about two minutes per
database for a million. To time two versions of the code on the same rows, seed once with
``--keep --work DIR`` and time each with ``--reuse --work DIR/stats-XXXX`` (and the same
``--postgres``), alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.analytics import kinds, rollup
from livecommerce.app import create_app
from livecommerce.settings import Settings
from livecommerce.storage import ledger_rollup
from livecommerce.storage.db import Database
from livecommerce.storage.ledger_rollup import COUNTERS, Key
from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import Room, utcnow
from tests.users import product, room, signup

BUDGET_MS = 200.0
MINUTES = 120
PRODUCTS = 20
PATHS = ("", "/minutes", "/products", "/timeline", "/weakest")
# Shares of the rows by kind (the rest are the nodes' beacon counters).
SESSIONS, ORDERS, SAMPLES, TIMELINE = 0.5, 0.1, 0.005, 0.0002


def _rows(
    total: int, room_id: int, products: list[int], started: datetime
) -> Iterator[dict[str, Any]]:
    rng = random.Random(17)

    def row(kind: str, minute: int, **values: Any) -> dict[str, Any]:
        elapsed = minute * 60_000 + rng.randrange(60_000)
        base = {
            "room_id": room_id, "kind": kind, "at": started + timedelta(milliseconds=elapsed),
            "elapsed_ms": elapsed, "minute": minute, "product_id": None, "sale_id": None,
            "order_id": None, "viewer": None, "count": 1, "amount_cents": 0, "value_ms": 0,
            "detail": "",
        }  # fmt: skip
        return base | values

    viewers = max(1, int(total * SESSIONS / 2 / 3))  # about three sessions per viewer
    for _ in range(int(total * SESSIONS / 2)):
        minute, who = rng.randrange(MINUTES), f"u:{rng.randrange(viewers)}"
        yield row(kinds.JOINED, minute, viewer=who)
        yield row(kinds.LEFT, min(MINUTES - 1, minute + rng.randrange(5)), viewer=who,
                  value_ms=rng.randrange(1, 600_000))  # fmt: skip
    order_steps = [(kinds.PLACED, 1.0), (kinds.PAID, 0.8), (kinds.CANCELLED, 0.1),
                   (kinds.EXPIRED, 0.05), (kinds.REFUNDED, 0.05)]  # fmt: skip
    orders = int(total * ORDERS / sum(share for _, share in order_steps))
    for order_id in range(1, orders + 1):
        minute, who, pid = (
            rng.randrange(MINUTES),
            f"u:{rng.randrange(viewers)}",
            rng.choice(products),
        )
        amount = rng.randrange(1, 20) * 990
        for kind, share in order_steps:
            if kind == kinds.PLACED or rng.random() < share / 0.95:
                yield row(kind, minute, order_id=order_id, viewer=who, product_id=pid,
                          amount_cents=amount)  # fmt: skip
    for _ in range(int(total * SAMPLES)):
        yield row(kinds.SAMPLED, rng.randrange(MINUTES), count=rng.randrange(10_000))
    for _ in range(int(total * TIMELINE)):
        yield row("product.pinned", rng.randrange(MINUTES), product_id=rng.choice(products),
                  detail='{"product": {}}')  # fmt: skip
    counters = (kinds.IMPRESSION, kinds.CLICK, kinds.SHEET_OPENED)
    while True:
        yield row(rng.choice(counters), rng.randrange(MINUTES), product_id=rng.choice(products),
                  count=rng.randrange(1, 200))  # fmt: skip


COLUMNS = (
    "room_id", "kind", "at", "elapsed_ms", "minute", "product_id", "sale_id", "order_id",
    "viewer", "count", "amount_cents", "value_ms", "detail",
)  # fmt: skip


def _firsts(rows: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], dict[Key, dict[str, int]]]:
    """The ledger_first rows of ``rows`` and their rollup counters, as
    ``ledger_rollup.append`` decides them (a viewer's earliest written row wins)."""
    seen: dict[tuple[int, str, str], tuple[Any, ...]] = {}
    counted: dict[Key, dict[str, int]] = {}
    for row in rows:
        for kind, name in kinds.firsts(row) if row["viewer"] else ():
            key = (row["room_id"], kind, row["viewer"])
            if key not in seen:
                seen[key] = (*key, row["minute"])
                cell = (row["room_id"], row["minute"], row["product_id"] or 0)
                counters = counted.setdefault(cell, dict.fromkeys(COUNTERS, 0))
                counters[name] += 1
    return list(seen.values()), counted


def _merge(folded: dict[Key, dict[str, int]], more: dict[Key, dict[str, int]]) -> None:
    for key, counters in more.items():
        into = folded.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, n in counters.items():
            into[name] += n


def _sqlite_copy(path: str, rows: list[dict[str, Any]], firsts: list[tuple[Any, ...]]) -> None:
    """One transaction of plain executemany, the way SQLAlchemy stores the columns."""
    naive = [
        tuple(
            r[c].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if c == "at" else r[c]
            for c in COLUMNS
        )
        for r in rows
    ]
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            marks = ", ".join("?" * len(COLUMNS))
            conn.executemany(
                f"INSERT INTO ledger_entry ({', '.join(COLUMNS)}) VALUES ({marks})", naive
            )
            conn.executemany(
                "INSERT INTO ledger_first (room_id, kind, viewer, minute) VALUES (?, ?, ?, ?)",
                firsts,
            )
    finally:
        conn.close()


async def _postgres_copy(
    db: Database, rows: list[dict[str, Any]], firsts: list[tuple[Any, ...]]
) -> None:
    records = [
        tuple(r[c].astimezone(UTC).replace(tzinfo=None) if c == "at" else r[c] for c in COLUMNS)
        for r in rows
    ]
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        async with raw.transaction():
            await raw.copy_records_to_table("ledger_entry", records=records, columns=COLUMNS)
            await raw.copy_records_to_table(
                "ledger_first", records=firsts, columns=("room_id", "kind", "viewer", "minute")
            )


async def _seed(
    db: Database, total: int, room_id: int, products: list[int], started: datetime
) -> None:
    """The rows in bulk (COPY on PostgreSQL, executemany on SQLite), then their rollup:
    ``rollup.fold`` and the firsts, added with ``ledger_rollup.add`` as a flush does."""
    began = time.perf_counter()
    rows = list(itertools.islice(_rows(total, room_id, products, started), total))
    firsts, counted = _firsts(rows)
    folded = rollup.fold(rows)
    _merge(folded, counted)
    if db.is_sqlite:
        path = make_url(db.url).database
        assert path is not None
        # The app's own writers (the gifts' settlement loop) wait their turn meanwhile.
        async with db._write_turn():
            await asyncio.to_thread(_sqlite_copy, path, rows, firsts)
    else:
        await _postgres_copy(db, rows, firsts)
    async with db.unit_of_work() as uow:
        await ledger_rollup.add(uow.session, folded)
    print(f"  seeded {len(rows)} rows in {time.perf_counter() - began:.1f} s", flush=True)


async def _bench(url: str, args: argparse.Namespace, name: str) -> bool:
    settings = Settings(database_url=url, secret_key="bench", password_hash_memory_kib=1024,
                        analytics_enabled=False)  # fmt: skip
    app = create_app(settings)
    ok = True
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            db: Database = app.state.resources.db
            if args.reuse:
                headers, rid = await _seeded(client, db)
            else:
                shop, host = (
                    await signup(client, "shop", "merchant"),
                    await signup(client, "anna", "host"),
                )
                ids = [(await product(client, shop, f"P{i}"))["id"] for i in range(PRODUCTS)]
                rid = (await room(client, shop, host, ids))["id"]
                headers = host.headers
                await client.post(f"/api/rooms/{rid}/start", headers=headers)
            # The show is MINUTES old now (a reused one too: the same windows are timed).
            started = utcnow() - timedelta(minutes=MINUTES)
            async with db.unit_of_work() as uow:
                await uow.session.execute(
                    update(Room).where(Room.id == rid).values(started_at=started)
                )
            print(f"{name}:", flush=True)
            if not args.reuse:
                await _seed(db, args.rows, rid, ids, started)
            if not db.is_sqlite and not args.reuse:
                # What autovacuum does to a table that keeps growing by inserts (PostgreSQL
                # 13+): statistics, and the visibility map its index-only scans rely on.
                engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
                async with engine.connect() as conn:
                    await conn.execute(
                        text("VACUUM ANALYZE ledger_entry, ledger_minute, ledger_first")
                    )
            for path in PATHS:
                ok &= await _time(client, f"/api/rooms/{rid}/stats{path}", headers, args)
            # The post-show report page runs all of them (and its actions' orders) at once.
            ok &= await _time(client, f"/console/rooms/{rid}/report", headers, args)
    return ok


async def _seeded(client: httpx.AsyncClient, db: Database) -> tuple[dict[str, str], int]:
    """The host's headers and the room of a database an earlier ``--keep`` run seeded."""
    login = {"handle": "anna", "password": "correct horse"}
    token = (await client.post("/api/auth/login", json=login)).json()["token"]
    async with db.read() as session:
        rid = await session.scalar(select(Room.id))
    assert rid is not None, "no seeded room here"
    return {"Authorization": f"Bearer {token}"}, rid


async def _time(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], args: argparse.Namespace
) -> bool:
    await client.get(url, headers=headers)  # warm caches, as a dashboard's poll would
    times = []
    for _ in range(args.requests):
        began = time.perf_counter()
        answer = await client.get(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, answer.text
    p50, worst = statistics.median(times), max(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    verdict = "ok" if p95 <= BUDGET_MS else "OVER BUDGET"
    print(
        f"  GET {url.split('/', 4)[-1]:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
        f"  max {worst:7.1f} ms  {verdict}"
    )
    return p95 <= BUDGET_MS


def _admin(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def _postgres(url: str) -> str:
    """The bench's own database (the URL's), made afresh and migrated."""
    name = make_url(url).database
    admin = create_async_engine(_admin(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    await asyncio.to_thread(upgrade, url)
    return url


async def _drop(url: str) -> None:
    admin = create_async_engine(_admin(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    await admin.dispose()


async def main_async(args: argparse.Namespace) -> bool:
    ok = True
    keep = args.keep or args.reuse
    work = Path(args.work) if args.reuse else Path(tempfile.mkdtemp(prefix="stats-", dir=args.work))
    try:
        url = f"sqlite+aiosqlite:///{work / 'stats.db'}"
        await asyncio.to_thread(upgrade, url)
        ok &= await _bench(url, args, "SQLite")
    finally:
        if not keep:
            shutil.rmtree(work)
    if args.postgres:
        url = args.postgres if args.reuse else await _postgres(args.postgres)
        try:
            ok &= await _bench(url, args, "PostgreSQL")
        finally:
            if not keep:
                await _drop(url)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL naming the bench's own database (dropped, made afresh)"
    )
    parser.add_argument("--work", help="where the SQLite file goes (default: a temporary folder)")
    parser.add_argument(
        "--keep", action="store_true", help="keep both databases afterwards, to EXPLAIN them"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the databases a --keep run seeded (--work: its SQLite folder) without seeding",
    )
    args = parser.parse_args()
    ok = asyncio.run(main_async(args))
    print("all within 200 ms" if ok else "some over 200 ms")


if __name__ == "__main__":
    main()
