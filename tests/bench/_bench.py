"""What every crowd benchmark starts the same way: a fresh database, one real node and
the baselines beside it on loopback ports, and the medians of alternating runs.

``flashsale_bench`` and ``coupon_bench`` build on :func:`bench_servers`: the real node
(PostgreSQL + Redis) first, then each baseline a ``python -m <module> <kind>`` process
serving the same path on the same tables, all torn down (database and Redis keys too)
when the block ends.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from livecommerce.storage.migrate import upgrade
from tests import services
from tests.servers import Server, free_port, start_server


@dataclass(frozen=True)
class Bench:
    urls: dict[str, str]  # target -> base URL; "gate" is the real node
    database_url: str
    secret_key: str


def add_arguments(parser: argparse.ArgumentParser, targets: tuple[str, ...]) -> None:
    """The options every crowd benchmark takes."""
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1/test",
                        help="a fresh database is made beside this one")  # fmt: skip
    parser.add_argument("--own-database", action="store_true",
                        help="use --database-url itself (migrated, kept) instead")  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--redis-prefix", default="", help="default: a fresh random prefix")
    parser.add_argument("--buyers", type=int, default=20000)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--port", type=int, default=0, help="first of the ports (0: any free)")
    parser.add_argument("--targets", default=",".join(targets), help=f"of {','.join(targets)}")


def chosen(ns: argparse.Namespace, targets: tuple[str, ...]) -> list[str]:
    return [t for t in targets if t in ns.targets.split(",")]


def _baseline(module: str, kind: str, db_url: str, secret: str, log_dir: Path,
              port: int) -> Server:  # fmt: skip
    log_path = log_dir / f"{kind}.log"
    command = [sys.executable, "-m", module, kind, "--port", str(port),
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
    server.stop()
    raise RuntimeError(server.log())


@contextmanager
def bench_servers(ns: argparse.Namespace, module: str, baselines: list[str]) -> Iterator[Bench]:
    """The real node and ``baselines`` (kinds of ``module``) on one fresh database."""
    secret = secrets.token_hex(16)
    prefix = ns.redis_prefix or services.redis_prefix()
    db_url = ns.database_url
    if ns.own_database:
        upgrade(db_url)
    else:
        db_url = services.run_in_thread(services.create_postgres_database(db_url))
    log_dir = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    env = {
        "LIVECOMMERCE_DATABASE_URL": db_url, "LIVECOMMERCE_REDIS_URL": ns.redis_url,
        "LIVECOMMERCE_REDIS_PREFIX": prefix, "LIVECOMMERCE_SECRET_KEY": secret,
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }  # fmt: skip
    ports = [ns.port + i if ns.port else free_port() for i in range(1 + len(baselines))]
    servers: list[Server] = []
    try:
        # A loaded box can take half a minute to import and start a node.
        servers.append(start_server(env, log_dir, port=ports[0], timeout=120))
        for kind, port in zip(baselines, ports[1:], strict=True):
            servers.append(_baseline(module, kind, db_url, secret, log_dir, port))
        names = ["gate", *baselines]
        urls = {name: s.url for name, s in zip(names, servers, strict=True)}
        print(f"servers {urls}; logs in {log_dir}", flush=True)
        yield Bench(urls, db_url, secret)
    finally:
        for server in servers:
            server.stop()
        if not ns.own_database:
            services.run_in_thread(services.drop_postgres_database(ns.database_url, db_url))
        services.run_in_thread(services.delete_prefix(ns.redis_url, prefix))


def medians(runs: list[dict[str, Any]], rate: str) -> dict[str, float]:
    """Median throughput (the ``rate`` field) and latency percentiles of the runs."""

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 1)

    return {
        rate: med([r[rate] for r in runs]),
        "p50_ms": med([r["latency"]["p50_ms"] for r in runs]),
        "p99_ms": med([r["latency"]["p99_ms"] for r in runs]),
    }


def print_medians(results: dict[str, list[dict[str, Any]]], rate: str) -> None:
    """Each target's medians, and the gate's throughput over each baseline's."""
    figures = {t: medians(r, rate) for t, r in results.items() if r}
    for target, found in figures.items():
        print(f"median {target:8} {found}")
    if "gate" in figures:
        for other, found in figures.items():
            if other != "gate":
                print(f"gate / {other} throughput: {figures['gate'][rate] / found[rate]:.2f}x")
