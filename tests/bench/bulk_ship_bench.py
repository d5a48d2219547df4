"""Bulk shipping benchmark: chat latency in a live room while one CSV ships N orders.

Each run starts a fresh node, in the embedded shape by default (SQLite: its write lock
is what a batch of shipments and the room's chat contend for) or, with
``--database-url`` (and ``--redis-url``), in the scaled shape on a fresh PostgreSQL
database beside the one given; it
seeds one merchant with ``--orders`` paid orders, and drives the room with
``livecommerce loadtest fanout`` (viewers, chatters, publish-to-receipt latency). The
baseline run only chats; the import run uploads the shipping CSV to
``POST /api/merchant/shipments`` while the chat runs, with the orders moved into the
measured room first, so their ``order.updated`` and ``order.moved`` events share its
fan-out. Prints both p99s and how long the import took.

    python -m tests.bench.bulk_ship_bench --orders 10000 --viewers 500 --chat-rate 20 --duration 20
    python -m tests.bench.bulk_ship_bench \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test \
        --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.storage.models import Order, Room
from tests import services
from tests.servers import Server, start_server

PASSWORD = "bench-password"


async def _insert_orders(database_url: str, rows: list[dict[str, Any]]) -> list[int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            ids: list[int] = []
            for start in range(0, len(rows), 1000):
                written = await conn.execute(
                    insert(Order).returning(Order.id), rows[start : start + 1000]
                )
                ids += [row.id for row in written]
            return ids
    finally:
        await engine.dispose()


def _seed(server: Server, database_url: str, orders: int) -> tuple[str, list[int]]:
    """A merchant, a buyer and ``orders`` paid orders of the merchant's product."""
    with httpx.Client(base_url=server.url, timeout=30) as api:
        tokens = {}
        for handle, role in (("bench_shop", "merchant"), ("bench_buyer", "viewer")):
            body = {"handle": handle, "password": PASSWORD, "display_name": handle, "role": role}
            made = api.post("/api/auth/signup", json=body)
            made.raise_for_status()
            tokens[role] = (made.json()["token"], made.json()["user"]["id"])
        shop = {"Authorization": f"Bearer {tokens['merchant'][0]}"}
        item = {"title": "Bench tea", "price_cents": 990, "stock": 10}
        product_id = api.post("/api/products", json=item, headers=shop).json()["id"]
    now = datetime.now(UTC)
    rows = [
        {"buyer_id": tokens["viewer"][1], "product_id": product_id, "quantity": 1,
         "unit_price_cents": 990, "status": "paid", "idempotency_key": f"bench-{i}",
         "created_at": now, "expires_at": now + timedelta(minutes=15), "paid_at": now}
        for i in range(orders)
    ]  # fmt: skip
    if not rows:
        return tokens["merchant"][0], []
    return tokens["merchant"][0], asyncio.run(_insert_orders(database_url, rows))


async def _live_room(database_url: str, ids: list[int], wait: float) -> int:
    engine = create_async_engine(database_url)
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            async with engine.begin() as conn:
                room_id = await conn.scalar(select(Room.id).where(Room.status == "live"))
                if room_id is not None:
                    moving = update(Order).where(Order.id.in_(ids)).values(room_id=room_id)
                    await conn.execute(moving)
                    return int(room_id)
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise RuntimeError("the load generator never opened a live room")


def _into_live_room(database_url: str, ids: list[int], timeout: float = 60.0) -> int:
    """Wait for the load generator's live room, then move the orders into it."""
    return asyncio.run(_live_room(database_url, ids, timeout))


def _fanout(server: Server, args: argparse.Namespace) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout", "--url", server.url,
        "--viewers", str(args.viewers), "--rooms", "1", "--chat-rate", str(args.chat_rate),
        "--duration", str(args.duration), "--json",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def _report(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate(timeout=900)
    report: dict[str, Any] = json.loads(out[out.index("{") :])
    return report


def _upload(server: Server, token: str, ids: list[int], result: dict[str, Any]) -> None:
    text = "order_id,carrier,tracking_number\n" + "".join(
        f"{oid},SF Express,SF{oid:012d}\n" for oid in ids
    )
    started = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=600) as api:
        answer = api.post("/api/merchant/shipments", content=text.encode(),
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": "text/csv"})  # fmt: skip
    body = answer.json()
    if answer.status_code == 200:
        body = {"shipped": body["shipped"], "skipped": len(body["skipped"])}
    seconds = round(time.perf_counter() - started, 2)
    result.update(seconds=seconds, status=answer.status_code, body=body)


def _run(args: argparse.Namespace, log_dir: Path, run: str) -> dict[str, Any]:
    env = {"LIVECOMMERCE_SECRET_KEY": "bench",
           "LIVECOMMERCE_WS_PER_ADDRESS": str(args.viewers + 100)}  # fmt: skip
    if args.database_url:
        database_url = services.run_in_thread(services.create_postgres_database(args.database_url))
    else:
        database_url = f"sqlite+aiosqlite:///{log_dir / f'{run}.db'}"
    env["LIVECOMMERCE_DATABASE_URL"] = database_url
    if args.redis_url:
        env["LIVECOMMERCE_REDIS_URL"] = args.redis_url
        env["LIVECOMMERCE_REDIS_PREFIX"] = prefix = services.redis_prefix()
    try:
        return _measure(args, log_dir, run, env)
    finally:
        if args.database_url:
            services.run_in_thread(services.drop_postgres_database(args.database_url, database_url))
        if args.redis_url:
            services.run_in_thread(services.delete_prefix(args.redis_url, prefix))


def _measure(
    args: argparse.Namespace, log_dir: Path, run: str, env: dict[str, str]
) -> dict[str, Any]:
    database_url = env["LIVECOMMERCE_DATABASE_URL"]
    server = start_server(env, log_dir, port=args.port)
    try:
        token, ids = _seed(server, database_url, args.orders if run == "import" else 0)
        generator = _fanout(server, args)
        upload: dict[str, Any] = {}
        if run == "import":
            _into_live_room(database_url, ids)
            time.sleep(args.delay)  # let the chat reach its rate before the import starts
            worker = threading.Thread(target=_upload, args=(server, token, ids, upload))
            worker.start()
        report = _report(generator)
        if run == "import":
            worker.join()
    finally:
        server.stop()
    return {"p99_ms": report["latency"]["p99_ms"], "p50_ms": report["latency"]["p50_ms"],
            "delivery_ratio": report.get("delivery_ratio"), "import": upload or None}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--chat-rate", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of chat per run")
    parser.add_argument("--delay", type=float, default=3.0, help="chat seconds before the import")
    parser.add_argument("--port", type=int, default=None, help="the node's port (default: free)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL URL: each run gets a fresh database beside it",
    )
    parser.add_argument("--redis-url", default="", help="Redis for the scaled shape")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="lc-bulk-ship-"))
    results = {run: _run(args, log_dir, run) for run in ("baseline", "import")}
    for run, figures in results.items():
        print(f"{run}: {json.dumps(figures)}", flush=True)
    base, during = results["baseline"]["p99_ms"], results["import"]["p99_ms"]
    if base and during:
        print(f"chat p99 during the import / without: {during / base:.2f}")


if __name__ == "__main__":
    main()
