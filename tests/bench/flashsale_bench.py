"""Flash-sale benchmark: the real order path against two baselines, same generator.

Starts one real node (PostgreSQL + Redis), the ``locking`` baseline (SELECT ... FOR
UPDATE per attempt) and the ``noop`` ceiling on loopback ports, all on one fresh
database. Each run schedules a fresh deal through the real node's API and sends every
buyer at it; for the two that write orders, the sale is read back and checked for
oversell. Prints each run and the medians.

    python -m tests.bench.flashsale_bench --buyers 20000 --stock 1000 --runs 3

``--targets gate,noop`` leaves out the locking baseline, whose run takes minutes, when
only the gate's ratio to the no-op ceiling is wanted (an A/B of two trees).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from livecommerce.loadtest import _buyers, flashsale
from tests import services
from tests.servers import Server, free_port, start_server

TARGETS = ("gate", "locking", "noop")


def _baseline(kind: str, db_url: str, secret: str, log_dir: Path) -> Server:
    port = free_port()
    log_path = log_dir / f"{kind}.log"
    command = [
        sys.executable,
        "-m",
        "tests.bench.flashsale_baseline",
        kind,
        "--port",
        str(port),
        "--database-url",
        db_url,
        "--secret-key",
        secret,
    ]
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


def _one_run(
    target: str, urls: dict[str, str], buyers: list[tuple[int, str]], ns: argparse.Namespace
) -> dict[str, Any]:
    sale_id, starts_at = asyncio.run(flashsale.setup(ns))
    attempts, elapsed = flashsale.attack(urls[target], sale_id, starts_at, buyers, ns)
    result = flashsale.summarise(attempts, elapsed)
    if target != "noop":
        sale = asyncio.run(flashsale.read_back(urls["gate"], sale_id))
        result["check"] = flashsale.verdict(attempts, sale, ns.limit)
    return result


def _medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 1)

    return {
        "attempts_per_second": med([r["attempts_per_second"] for r in runs]),
        "p50_ms": med([r["latency"]["p50_ms"] for r in runs]),
        "p99_ms": med([r["latency"]["p99_ms"] for r in runs]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--buyers", type=int, default=20000)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--targets", default=",".join(TARGETS), help="which of gate,locking,noop")
    args = parser.parse_args()
    targets = [t for t in TARGETS if t in args.targets.split(",")]
    secret, prefix = secrets.token_hex(16), services.redis_prefix()
    db_url = services.run_in_thread(services.create_postgres_database(args.database_url))
    log_dir = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    env = {
        "LIVECOMMERCE_DATABASE_URL": db_url,
        "LIVECOMMERCE_REDIS_URL": args.redis_url,
        "LIVECOMMERCE_REDIS_PREFIX": prefix,
        "LIVECOMMERCE_SECRET_KEY": secret,
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    servers = [start_server(env, log_dir)]
    try:
        servers += [_baseline(k, db_url, secret, log_dir) for k in ("locking", "noop")]
        urls = dict(zip(TARGETS, (s.url for s in servers), strict=True))
        ns = argparse.Namespace(
            url=urls["gate"],
            stock=args.stock,
            limit=args.limit,
            attempts=1,
            lead=4.0,
            window=600.0,
            processes=args.processes,
            connections=args.connections,
            buyers=args.buyers,
            database_url=db_url,
            secret_key=secret,
        )
        buyers = asyncio.run(_buyers.prepare(ns))
        results: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
        for run in range(args.runs):
            for target in targets:
                result = _one_run(target, urls, buyers, ns)
                results[target].append(result)
                print(f"run {run + 1} {target:8} {result}", flush=True)
        medians = {t: _medians(r) for t, r in results.items()}
        for target, figures in medians.items():
            print(f"median {target:8} {figures}")
        rate = {t: figures["attempts_per_second"] for t, figures in medians.items()}
        for baseline in ("locking", "noop"):
            if "gate" in rate and baseline in rate:
                print(f"gate / {baseline} throughput: {rate['gate'] / rate[baseline]:.2f}x")
    finally:
        for server in servers:
            server.stop()
        services.run_in_thread(services.drop_postgres_database(args.database_url, db_url))
        services.run_in_thread(services.delete_prefix(args.redis_url, prefix))


if __name__ == "__main__":
    main()
