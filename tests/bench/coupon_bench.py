"""Coupon benchmark: a crowd claims one coupon drop at once, the real node against the
row-locking baseline, same generator, same database.

Starts one real node (PostgreSQL + Redis) and the ``locking`` baseline (SELECT ... FOR
UPDATE per claim) on loopback ports. Each run drops a fresh coupon through the real
node's API (``--stock`` coupons, one per buyer) and sends every viewer at it; some tap
twice with the same key, some twice with a new key (over the limit). The claims are
read back from the rows: exactly ``--stock`` claimed, nobody over the limit, every
coupon a viewer was told of is a row. Prints each run and the medians.

    python -m tests.bench.coupon_bench --buyers 20000 --stock 1000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.loadtest import _buyers
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest.report import latency_summary
from livecommerce.storage.models import CouponClaim, CouponDrop
from tests import services
from tests.servers import Server, free_port, start_server

TARGETS = ("gate", "locking")
Job = tuple[int, str, str]  # buyer, token, key
Result = tuple[int, int, str, float]  # buyer, status, code, seconds


def _baseline(db_url: str, secret: str, log_dir: Path, port: int) -> Server:
    log_path = log_dir / "coupon-locking.log"
    command = [sys.executable, "-m", "tests.bench.coupon_baseline", "--port", str(port),
               "--database-url", db_url, "--secret-key", secret]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    for _ in range(100):
        try:
            httpx.get(f"{server.url}/docs", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(server.log())


async def _show(url: str) -> tuple[int, str, str]:
    """A live room of a new merchant: (room id, merchant token, host token)."""
    conn = Connection(url)
    tag = f"{int(time.time()) % 10**6}{random.randint(0, 999):03d}"
    merchant = await _buyers.signup(conn, f"cb_m{tag}", "merchant")
    host = await _buyers.signup(conn, f"cb_h{tag}", "host")
    product = await expect(conn, "POST", "/api/products",
                           {"title": f"Bench {tag}", "price_cents": 990, "stock": 10},
                           token=merchant[1], status=201)  # fmt: skip
    room = await expect(conn, "POST", "/api/rooms",
                        {"title": f"Bench {tag}", "host": host[0],
                         "scheduled_at": "2030-01-01T00:00:00Z", "product_ids": [product["id"]]},
                        token=merchant[1], status=201)  # fmt: skip
    await expect(conn, "POST", f"/api/rooms/{room['id']}/start", token=host[1])
    await conn.close()
    return int(room["id"]), merchant[1], host[1]


async def _drop(url: str, room_id: int, merchant: str, host: str, stock: int) -> int:
    conn = Connection(url)
    body = {"title": "Bench coupon", "kind": "fixed", "amount_off_cents": 100,
            "total_quantity": stock, "per_buyer_limit": 1}  # fmt: skip
    template = await expect(conn, "POST", "/api/coupons/templates", body, token=merchant,
                            status=201)  # fmt: skip
    drop = await expect(conn, "POST", f"/api/rooms/{room_id}/coupons",
                        {"template_id": template["id"]}, token=host, status=201)  # fmt: skip
    await conn.close()
    return int(drop["id"])


async def _claims(url: str, drop_id: int, jobs: list[Job], connections: int) -> list[Result]:
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[Result] = []

    async def run_connection() -> None:
        conn = Connection(url)
        while not queue.empty():
            buyer, token, key = queue.get_nowait()
            started = time.perf_counter()
            status, body = await conn.json(
                "POST",
                f"/api/coupons/drops/{drop_id}/claims",
                token=token,
                headers={"Idempotency-Key": key},
            )
            code = "ok" if status < 300 else (body or {}).get("error", {}).get("code", "?")
            results.append((buyer, status, code, time.perf_counter() - started))
        await conn.close()

    await asyncio.gather(*(run_connection() for _ in range(connections)))
    return results


def _worker(url: str, drop_id: int, jobs: list[Job], connections: int) -> list[Result]:
    return asyncio.run(_claims(url, drop_id, jobs, connections))


def _jobs(buyers: list[tuple[int, str]], drop_id: int, seed: int) -> list[Job]:
    """One claim per viewer; a tenth tap twice with the same key, a tenth with a new one."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    for buyer, token in buyers:
        jobs.append((buyer, token, f"d{drop_id}-b{buyer}"))
        roll = rng.random()
        if roll < 0.1:
            jobs.append((buyer, token, f"d{drop_id}-b{buyer}"))
        elif roll < 0.2:
            jobs.append((buyer, token, f"d{drop_id}-b{buyer}-again"))
    rng.shuffle(jobs)
    return jobs


def _attack(
    url: str, drop_id: int, jobs: list[Job], ns: argparse.Namespace
) -> tuple[list[Result], float]:
    shards = [jobs[i :: ns.processes] for i in range(ns.processes)]
    began = time.time()
    with multiprocessing.get_context("fork").Pool(ns.processes) as pool:
        parts = pool.starmap(_worker, [(url, drop_id, s, ns.connections) for s in shards])
    return [r for part in parts for r in part], time.time() - began


async def _read_back(db_url: str, drop_id: int) -> dict[str, int]:
    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        rows = await conn.scalar(
            select(func.count()).select_from(CouponClaim).where(CouponClaim.drop_id == drop_id)
        )
        per_buyer = (
            select(func.count().label("n")).where(CouponClaim.drop_id == drop_id)
            .group_by(CouponClaim.user_id).subquery()
        )  # fmt: skip
        most = await conn.scalar(select(func.max(per_buyer.c.n)))
        counter = await conn.scalar(select(CouponDrop.claimed).where(CouponDrop.id == drop_id))
    await engine.dispose()
    return {"rows": int(rows or 0), "max_per_buyer": int(most or 0), "counter": int(counter or 0)}


def _one_run(
    target: str,
    urls: dict[str, str],
    show: tuple[int, str, str],
    buyers: list[tuple[int, str]],
    ns: argparse.Namespace,
    run: int,
) -> dict[str, Any]:
    drop_id = asyncio.run(_drop(urls["gate"], *show, ns.stock))
    results, elapsed = _attack(urls[target], drop_id, _jobs(buyers, drop_id, run), ns)
    rows = asyncio.run(_read_back(ns.database_url, drop_id))
    told = {b for b, status, _, _ in results if status == 201}
    return {
        "claims_sent": len(results),
        "seconds": round(elapsed, 3),
        "claims_per_second": round(len(results) / elapsed, 1),
        "latency": latency_summary([s for *_, s in results]),
        "outcomes": dict(Counter(f"{s} {c}" for _, s, c, _ in results).most_common()),
        "check": {
            **rows, "quantity": ns.stock, "viewers_told_claimed": len(told),
            "exactly_quantity": rows["rows"] == ns.stock == len(told),
            "nobody_over_limit": rows["max_per_buyer"] <= 1,
            "counter_equals_rows": rows["counter"] == rows["rows"],
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--buyers", type=int, default=20000)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--port", type=int, default=0, help="first of two ports (0: any free)")
    args = parser.parse_args()
    secret, prefix = secrets.token_hex(16), services.redis_prefix()
    db_url = services.run_in_thread(services.create_postgres_database(args.database_url))
    log_dir = Path(tempfile.mkdtemp(prefix="lc-coupon-bench-"))
    env = {
        "LIVECOMMERCE_DATABASE_URL": db_url, "LIVECOMMERCE_REDIS_URL": args.redis_url,
        "LIVECOMMERCE_REDIS_PREFIX": prefix, "LIVECOMMERCE_SECRET_KEY": secret,
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }  # fmt: skip
    ports = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    servers = [start_server(env, log_dir, port=ports[0])]
    try:
        servers.append(_baseline(db_url, secret, log_dir, ports[1]))
        urls = dict(zip(TARGETS, (s.url for s in servers), strict=True))
        ns = argparse.Namespace(**vars(args), url=urls["gate"], secret_key=secret)
        ns.database_url = db_url
        buyers = asyncio.run(_buyers.prepare(ns))
        show = asyncio.run(_show(urls["gate"]))
        results: dict[str, list[dict[str, Any]]] = {t: [] for t in TARGETS}
        for run in range(args.runs):
            for target in TARGETS:
                result = _one_run(target, urls, show, buyers, ns, run)
                results[target].append(result)
                print(f"run {run + 1} {target:8} {result}", flush=True)
        for target, runs in results.items():
            rate = statistics.median(r["claims_per_second"] for r in runs)
            p99 = statistics.median(r["latency"]["p99_ms"] for r in runs)
            ok = all(
                r["check"]["exactly_quantity"] and r["check"]["nobody_over_limit"] for r in runs
            )
            verdict = "ok" if ok else "FAILED"
            print(f"median {target:8} claims/s {rate:.1f}  p99 {p99:.1f} ms  checks {verdict}")
    finally:
        for server in servers:
            server.stop()
        services.run_in_thread(services.drop_postgres_database(args.database_url, db_url))
        services.run_in_thread(services.delete_prefix(args.redis_url, prefix))


if __name__ == "__main__":
    main()
