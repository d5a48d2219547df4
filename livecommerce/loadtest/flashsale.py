"""``livecommerce loadtest flashsale``: a crowd of buyers hits one flash sale at once.

Setup goes through the public API (a merchant, a host, a live room, a sale starting a
few seconds later). Buyers are signed up through the API, or, with ``--database-url`` and
``--secret-key``, inserted in bulk and given tokens minted locally, which makes tens of
thousands of buyers a matter of seconds. The attack runs in several processes, each with
a pool of kept-alive connections. Afterwards the sale is read back from the server and
compared with what the buyers were told: the oversell check.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from livecommerce.loadtest import _buyers
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest._rooms import end_rooms
from livecommerce.loadtest.progress import note
from livecommerce.loadtest.report import emit, latency_summary


@dataclass(frozen=True)
class Plan:
    url: str
    sale_id: int
    starts_at: float
    limit: int
    attempts_per_buyer: int
    connections: int
    seed: int


@dataclass(frozen=True)
class Attempt:
    buyer: int
    quantity: int
    status: int
    code: str
    seconds: float
    order_id: int | None


async def setup(
    args: argparse.Namespace, made: list[tuple[str, int]] | None = None
) -> tuple[int, float]:
    """A live room with one product and a sale starting ``--lead`` seconds from now; the
    room (with its host's token) goes into ``made`` as soon as it exists."""
    note("setting up a live room and its flash sale")
    conn = Connection(args.url)
    tag = f"{int(time.time()) % 10**6}{random.randint(0, 999):03d}"
    merchant = await _buyers.signup(conn, f"lt_m{tag}", "merchant")
    host = await _buyers.signup(conn, f"lt_h{tag}", "host")
    product = await expect(
        conn,
        "POST",
        "/api/products",
        {"title": f"Load test {tag}", "price_cents": 990, "stock": args.stock},
        token=merchant[1],
        status=201,
    )
    room = await expect(
        conn,
        "POST",
        "/api/rooms",
        {
            "title": f"Load {tag}",
            "host": host[0],
            "scheduled_at": datetime.now(UTC).isoformat(),
            "product_ids": [product["id"]],
        },
        token=merchant[1],
        status=201,
    )
    if made is not None:
        made.append((host[1], int(room["id"])))
    await expect(conn, "POST", f"/api/rooms/{room['id']}/start", token=host[1])
    starts = datetime.now(UTC) + timedelta(seconds=args.lead)
    sale = await expect(
        conn,
        "POST",
        f"/api/rooms/{room['id']}/sales",
        {
            "product_id": product["id"],
            "price_cents": 500,
            "quantity": args.stock,
            "per_user_limit": args.limit,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(seconds=args.window)).isoformat(),
        },
        token=host[1],
        status=201,
    )
    await conn.close()
    sale_id = int(sale.get("id", sale.get("sale", {}).get("id", 0)))
    return sale_id, starts.timestamp()


def _quantity(rng: random.Random, limit: int) -> int:
    # Mostly honest buyers; some ask for more than the per-buyer limit allows.
    return limit + rng.randint(1, 3) if rng.random() < 0.1 else rng.randint(1, limit)


async def _buy(
    conn: Connection, plan: Plan, buyer: int, token: str, key: str, quantity: int
) -> Attempt:
    started = time.perf_counter()
    status, body = await conn.json(
        "POST",
        f"/api/sales/{plan.sale_id}/orders",
        {"quantity": quantity},
        token=token,
        headers={"Idempotency-Key": key},
    )
    seconds = time.perf_counter() - started
    if 200 <= status < 300 and isinstance(body, dict):
        order = body.get("order", body)
        return Attempt(buyer, quantity, status, "ok", seconds, int(order["id"]))
    code = body.get("error", {}).get("code", "?") if isinstance(body, dict) else "?"
    return Attempt(buyer, quantity, status, code, seconds, None)


async def _worker_async(plan: Plan, buyers: list[tuple[int, str]]) -> list[Attempt]:
    rng = random.Random(plan.seed)
    jobs: list[tuple[int, str, str, int]] = []
    for buyer, token in buyers:
        for n in range(plan.attempts_per_buyer):
            # A retry with the same key (a double tap) must return the same order.
            key = f"s{plan.sale_id}-b{buyer}-{n // 2 if rng.random() < 0.3 else n}"
            jobs.append((buyer, token, key, _quantity(rng, plan.limit)))
    rng.shuffle(jobs)
    queue: asyncio.Queue[tuple[int, str, str, int]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[Attempt] = []

    async def run_connection() -> None:
        conn = Connection(plan.url)
        while not queue.empty():
            buyer, token, key, quantity = queue.get_nowait()
            results.append(await _buy(conn, plan, buyer, token, key, quantity))
        await conn.close()

    await asyncio.sleep(max(0.0, plan.starts_at - time.time() + 0.05))
    await asyncio.gather(*(run_connection() for _ in range(plan.connections)))
    return results


def _worker(plan: Plan, buyers: list[tuple[int, str]]) -> list[Attempt]:
    return asyncio.run(_worker_async(plan, buyers))


async def read_back(url: str, sale_id: int) -> dict[str, Any]:
    conn = Connection(url)
    sale = await expect(conn, "GET", f"/api/sales/{sale_id}")
    await conn.close()
    result: dict[str, Any] = sale.get("sale", sale)
    return result


def verdict(attempts: list[Attempt], sale: dict[str, Any], limit: int) -> dict[str, Any]:
    orders: dict[int, Attempt] = {}
    for attempt in attempts:
        if attempt.order_id is not None:
            orders.setdefault(attempt.order_id, attempt)
    told = sum(a.quantity for a in orders.values())
    per_buyer = Counter[int]()
    for attempt in orders.values():
        per_buyer[attempt.buyer] += attempt.quantity
    sold, quantity = int(sale["sold"]), int(sale["quantity"])
    return {
        "quantity": quantity,
        "sold_in_database": sold,
        "units_confirmed_to_buyers": told,
        "distinct_orders": len(orders),
        "oversold": sold > quantity or told > quantity,
        "confirmed_but_missing": max(0, told - sold),
        "buyers_over_limit": sum(1 for q in per_buyer.values() if q > limit),
    }


def attack(
    url: str,
    sale_id: int,
    starts_at: float,
    buyers: list[tuple[int, str]],
    args: argparse.Namespace,
) -> tuple[list[Attempt], float]:
    """Every buyer's attempts from ``args.processes`` processes; (attempts, seconds)."""
    plan = Plan(url, sale_id, starts_at, args.limit, args.attempts, args.connections, 0)
    shards = [buyers[i :: args.processes] for i in range(args.processes)]
    plans = [dataclasses.replace(plan, seed=i) for i in range(args.processes)]
    began = time.time()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        parts = pool.starmap(_worker, zip(plans, shards, strict=True))
    elapsed = time.time() - max(began, starts_at)
    return [a for part in parts for a in part], elapsed


def summarise(attempts: list[Attempt], elapsed: float) -> dict[str, Any]:
    return {
        "attempts": len(attempts),
        "seconds": round(elapsed, 3),
        "attempts_per_second": round(len(attempts) / elapsed, 1) if elapsed > 0 else None,
        "latency": latency_summary([a.seconds for a in attempts]),
        "outcomes": dict(Counter(f"{a.status} {a.code}" for a in attempts).most_common()),
    }


def run(args: argparse.Namespace) -> int:
    made: list[tuple[str, int]] = []
    try:
        sale_id, starts_at = asyncio.run(setup(args, made))
        buyers = asyncio.run(_buyers.prepare(args))
        note(f"{len(buyers)} buyers rush the sale")
        attempts, elapsed = attack(args.url, sale_id, starts_at, buyers, args)
        sale = asyncio.run(read_back(args.url, sale_id))
    finally:
        for token, room in made:
            asyncio.run(end_rooms(args.url, token, [room]))
    check = verdict(attempts, sale, args.limit)
    report: dict[str, Any] = {
        "sale_id": sale_id,
        "buyers": len(buyers),
        **summarise(attempts, elapsed),
        "check": check,
    }
    emit(report, as_json=args.json)
    return 1 if check["oversold"] or check["confirmed_but_missing"] else 0


def add_parser(generators: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = generators.add_parser("flashsale", help="many buyers rush one flash sale")
    p.add_argument("--url", required=True, help="base URL of a running node (loopback)")
    p.add_argument("--buyers", type=int, default=2000, help="buyers in the crowd")
    p.add_argument("--stock", type=int, default=100, help="units in the sale")
    p.add_argument("--limit", type=int, default=2, help="per-buyer limit")
    p.add_argument("--attempts", type=int, default=1, help="attempts per buyer")
    p.add_argument("--processes", type=int, default=2, help="buyer processes")
    p.add_argument("--connections", type=int, default=64, help="per process")
    p.add_argument("--lead", type=float, default=3.0, help="seconds until the sale starts")
    p.add_argument("--window", type=float, default=600.0, help="sale duration, seconds")
    p.add_argument("--database-url", help="insert buyers directly (fast) instead of signup")
    p.add_argument("--secret-key", help="with --database-url: mint the buyers' tokens")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)
