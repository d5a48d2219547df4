"""The fault suite: a flash sale on two real nodes, with one fault injected mid-sale.

For each of a Redis restart (empty: no persistence), a node SIGKILLed, a node
SIGTERMed, a PostgreSQL restart and a Redis Cluster master failover: two ``serve``
processes share one database and one Redis; buyers spread over both retry their keys
on no answer and on 503. Afterwards nothing is oversold, the books balance (see
``_audit``), the gate comes back to the database's count by itself within a minute,
and a second wave sells the remaining units exactly. Each fault prints one summary
line, also written to ``tests/artifacts/faults-summary.txt``.

Rerun: ``pytest tests/faults/test_sale_faults.py -m slow -s`` (needs redis-server,
PostgreSQL binaries and ``LIVECOMMERCE_TEST_{DATABASE,REDIS}_URL``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from tests import services
from tests.faults import _audit
from tests.faults._sale import (
    QUANTITY,
    SECRET_KEY,
    Crowd,
    Deal,
    first_wave,
    make_buyers,
    open_deal,
    second_wave,
    wave,
)
from tests.faults.postgres import PrivatePostgres
from tests.faults.redis_servers import PrivateCluster, PrivateRedis, private_cluster, private_redis
from tests.servers import Server, start_server

pytestmark = [pytest.mark.slow, pytest.mark.multinode]

SUMMARY = Path(__file__).parent.parent / "artifacts" / "faults-summary.txt"
WINDOW = 40  # seconds the deal is open: both waves fit, with room for a slow reconcile
FIRST_BUYERS, SECOND_BUYERS = 80, 220  # the first wave cannot sell out, the second can
FIRST_SPREAD, FAULT_AT, SECOND_SPREAD = 8.0, 2.5, 2.0  # seconds

Fault = Callable[[Deal], list[int]]  # injects the fault (and its repair); live nodes


@pytest.fixture(scope="module", autouse=True)
def summary_file() -> None:
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(
        "# 2 nodes, 100 units, 1 per buyer; attempts = distinct Idempotency-Keys, requests\n"
        "# include retries; sold_at_fault = units sold when the fault hit; reconcile_s =\n"
        "# seconds from the end of the first wave until the gate matched the database\n"
    )


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh migrated database on the shared PostgreSQL (which no test here stops)."""
    base = services.service_url("DATABASE")
    url = services.run_in_thread(services.create_postgres_database(base))
    yield url
    services.run_in_thread(services.drop_postgres_database(base, url))


@pytest.fixture
def own_redis() -> Iterator[PrivateRedis]:
    server = private_redis()
    yield server
    server.remove()


@pytest.fixture
def own_cluster() -> Iterator[PrivateCluster]:
    cluster = private_cluster(7100)
    yield cluster
    cluster.remove()


def _env(database_url: str, redis_url: str, prefix: str, cluster: bool) -> dict[str, str]:
    return {
        "LIVECOMMERCE_DATABASE_URL": database_url,
        "LIVECOMMERCE_REDIS_URL": redis_url,
        "LIVECOMMERCE_REDIS_PREFIX": prefix,
        "LIVECOMMERCE_REDIS_CLUSTER": str(cluster).lower(),
        "LIVECOMMERCE_SECRET_KEY": SECRET_KEY,
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }


@contextlib.asynccontextmanager
async def _gate_client(url: str, cluster: bool) -> AsyncIterator[Redis]:
    """A client reading the gate as the app does; a cluster's slot map read first."""
    if cluster:
        nodes = RedisCluster.from_url(url)
        await nodes.initialize()
        client = cast(Redis, nodes)
    else:
        client = Redis.from_url(url)
    try:
        yield client
    finally:
        await client.aclose()


def _wait_live(server: Server, deal: Deal) -> None:
    deadline = time.monotonic() + 15
    while httpx.get(f"{server.url}/api/sales/{deal.sale_id}").json()["status"] != "live":
        assert time.monotonic() < deadline, "the deal never went live"
        time.sleep(0.1)


async def sale_under_fault(
    name: str, nodes: list[Server], database_url: str, gate: Redis, prefix: str, fault: Fault
) -> str:
    """The whole scenario; returns the summary line."""
    deal = await asyncio.to_thread(open_deal, nodes[0], WINDOW)
    await asyncio.to_thread(_wait_live, nodes[0], deal)
    buyers = await make_buyers(database_url, FIRST_BUYERS + SECOND_BUYERS)
    crowd = Crowd(nodes, deal)
    try:
        plan = first_wave(buyers[:FIRST_BUYERS])
        first = asyncio.create_task(wave(crowd, plan, [0, 1], FIRST_SPREAD))
        await asyncio.sleep(FAULT_AT)
        at_fault = (await _audit.read_books(database_url, deal.sale_id)).sold
        live = await asyncio.to_thread(fault, deal)
        attempts = await first
        reconcile = await _audit.seconds_to_reconcile(gate, prefix, deal, database_url)
        books = await _audit.read_books(database_url, deal.sale_id)
        _audit.assert_books_balance(books, attempts)
        _audit.assert_decided(attempts, {"ok", "limit_exceeded"})
        wave1_sold = books.sold
        later = await wave(crowd, second_wave(buyers[FIRST_BUYERS:]), live, SECOND_SPREAD)
    finally:
        await crowd.close()
    _audit.assert_decided(later, {"ok", "sold_out"})
    attempts += later
    books = await _audit.read_books(database_url, deal.sale_id)
    _audit.assert_no_server_errors(attempts)
    _audit.assert_books_balance(books, attempts)
    assert books.sold == QUANTITY, f"the remaining units did not sell: {books.sold}"
    await _audit.seconds_to_reconcile(gate, prefix, deal, database_url)
    for node in nodes:
        assert "Exception in ASGI application" not in node.log(), node.log()[-3000:]
    line = _audit.summary(name, attempts, books, (at_fault, wave1_sold), reconcile)
    print(line)
    with SUMMARY.open("a") as out:
        out.write(line + "\n")
    return line


@contextlib.contextmanager
def two_nodes(env: dict[str, str], log_dir: Path) -> Iterator[list[Server]]:
    nodes: list[Server] = []
    try:
        for _ in range(2):
            nodes.append(start_server(env, log_dir))
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def test_redis_restart(own_redis: PrivateRedis, database: str, tmp_path: Path) -> None:
    """Redis killed and started again empty 2 s later: the gate's epoch is gone, the
    nodes sell through the database meanwhile and rebuild the gate when it is back."""

    def restart(deal: Deal) -> list[int]:
        own_redis.stop()
        time.sleep(2.0)
        own_redis.start()
        return [0, 1]

    prefix = "lcfault:"
    with two_nodes(_env(database, own_redis.url, prefix, False), tmp_path) as nodes:
        async with _gate_client(own_redis.url, False) as gate:
            await sale_under_fault("redis-restart", nodes, database, gate, prefix, restart)


async def test_node_sigkill(
    database: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """One node killed outright: its buyers get no answer and retry on the other node;
    reservations it made and never wrote are taken over or repaired."""

    def kill(deal: Deal) -> list[int]:
        nodes[1].process.kill()
        nodes[1].process.wait(timeout=10)
        return [0]

    with two_nodes(_env(database, redis_url, redis_prefix, False), tmp_path) as nodes:
        async with _gate_client(redis_url, False) as gate:
            await sale_under_fault("node-sigkill", nodes, database, gate, redis_prefix, kill)


async def test_node_sigterm(
    database: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """One node told to stop: it drains, its buyers move to the other node."""

    def terminate(deal: Deal) -> list[int]:
        nodes[1].process.send_signal(signal.SIGTERM)
        code = nodes[1].process.wait(timeout=30)
        assert code in (0, -signal.SIGTERM), nodes[1].log()[-3000:]
        return [0]

    with two_nodes(_env(database, redis_url, redis_prefix, False), tmp_path) as nodes:
        async with _gate_client(redis_url, False) as gate:
            name = "node-sigterm"
            await sale_under_fault(name, nodes, database, gate, redis_prefix, terminate)


async def test_postgres_restart(
    own_postgres: PrivatePostgres,
    own_database: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    """PostgreSQL stopped (fast: sessions cut) for 3 s: 503s, retried, then selling."""

    def restart(deal: Deal) -> list[int]:
        own_postgres.stop()
        time.sleep(3.0)
        own_postgres.start()
        return [0, 1]

    with two_nodes(_env(own_database, redis_url, redis_prefix, False), tmp_path) as nodes:
        async with _gate_client(redis_url, False) as gate:
            name = "postgres-restart"
            await sale_under_fault(name, nodes, own_database, gate, redis_prefix, restart)


async def test_cluster_failover(own_cluster: PrivateCluster, database: str, tmp_path: Path) -> None:
    """The master holding the deal's slot hands over to its replica (``cluster
    failover``): the nodes follow the new master; no reservation is lost."""

    def fail_over(deal: Deal) -> list[int]:
        _, replica = own_cluster.master_and_replica_of(f"{{room:{deal.room_id}}}")
        own_cluster.fail_over(replica)
        return [0, 1]

    prefix = "lcfault:"
    with two_nodes(_env(database, own_cluster.url, prefix, True), tmp_path) as nodes:
        async with _gate_client(own_cluster.url, True) as gate:
            name = "cluster-failover"
            await sale_under_fault(name, nodes, database, gate, prefix, fail_over)
