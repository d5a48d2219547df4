"""Coupon benchmark: a crowd claims one coupon drop at once, the real node against the
row-locking baseline, same generator, same database.

Starts one real node (PostgreSQL + Redis), the ``locking`` baseline (SELECT ... FOR
UPDATE per claim) and the ``noop`` ceiling (a FastAPI endpoint that only checks the
token) on loopback ports (``tests.bench._bench``). Each run drops a fresh coupon through the real
node's API (``--stock`` coupons, one per buyer) and sends every viewer at it; some tap
twice with the same key, some twice with a new key (over the limit). The claims are
read back from the rows: exactly ``--stock`` claimed, nobody over the limit, every
coupon a viewer was told of is a row. Prints each run and the medians.

    python -m tests.bench.coupon_bench --buyers 20000 --stock 1000 --runs 3

``--generator wrk`` sends the same jobs with Debian's C ``wrk`` (``tests.bench._wrk``),
for when the Python generator, not the server, is the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.loadtest import _buyers
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest.report import latency_summary
from livecommerce.storage.models import CouponClaim, CouponDrop
from tests.bench import _wrk
from tests.bench._bench import add_arguments, bench_servers, chosen, print_medians

TARGETS = ("gate", "locking", "noop")
Job = tuple[int, str, str]  # buyer, token, key
Result = tuple[int, int, str, float]  # buyer, status, code, seconds


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
            status, raw = await conn.request(
                "POST", f"/api/coupons/drops/{drop_id}/claims", body=b"",
                headers={"Content-Type": "application/json",
                         "Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )  # fmt: skip
            code = "ok" if status < 300 else _code(raw)
            results.append((buyer, status, code, time.perf_counter() - started))
        await conn.close()

    await asyncio.gather(*(run_connection() for _ in range(connections)))
    return results


def _code(raw: bytes) -> str:
    """The error code of an answer; a baseline past its pool answers a plain 500."""
    try:
        return str(json.loads(raw)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "not-json"


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


def _sent(target: str, url: str, drop_id: int, jobs: list[Job],
          ns: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    """Send the jobs with the chosen generator; throughput, latency, outcomes."""
    if ns.generator == "wrk":
        path = f"/api/coupons/drops/{drop_id}/claims"
        found = _wrk.attack(url, path, [(t, k) for _, t, k in jobs], ns.processes,
                            ns.processes * ns.connections)  # fmt: skip
        return {
            "claims_sent": len(jobs), "seconds": round(found["seconds"], 3),
            "claims_per_second": round(len(jobs) / found["seconds"], 1),
            "latency": {k: round(found[k], 1) for k in ("p50_ms", "p99_ms", "max_ms")},
            "outcomes": found["statuses"], "socket_errors": found["errors"],
            "told_claimed": found["statuses"].get("201", 0),
        }  # fmt: skip
    results, elapsed = _attack(url, drop_id, jobs, ns)
    return {
        "claims_sent": len(results), "seconds": round(elapsed, 3),
        "claims_per_second": round(len(results) / elapsed, 1),
        "latency": latency_summary([s for *_, s in results]),
        "outcomes": dict(Counter(f"{s} {c}" for _, s, c, _ in results).most_common()),
        "told_claimed": len({b for b, status, _, _ in results if status == 201}),
    }  # fmt: skip


def _one_run(
    target: str,
    urls: dict[str, str],
    show: tuple[int, str, str],
    buyers: list[tuple[int, str]],
    ns: argparse.Namespace,
    run: int,
) -> dict[str, Any]:
    drop_id = asyncio.run(_drop(urls["gate"], *show, ns.stock))
    result = _sent(target, urls[target], drop_id, _jobs(buyers, drop_id, run), ns)
    if target == "noop":
        return result
    rows = asyncio.run(_read_back(ns.database_url, drop_id))
    told = result.pop("told_claimed")
    result["check"] = {
        **rows, "quantity": ns.stock, "viewers_told_claimed": told,
        "exactly_quantity": rows["rows"] == ns.stock == told,
        "nobody_over_limit": rows["max_per_buyer"] <= 1,
        "counter_equals_rows": rows["counter"] == rows["rows"],
    }  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, TARGETS)
    parser.add_argument("--generator", choices=["python", "wrk"], default="python")
    args = parser.parse_args()
    targets = chosen(args, TARGETS)
    baselines = [t for t in TARGETS[1:] if t in targets]
    with bench_servers(args, "tests.bench.coupon_baseline", baselines) as bench:
        ns = argparse.Namespace(**vars(args), url=bench.urls["gate"],
                                secret_key=bench.secret_key)  # fmt: skip
        ns.database_url = bench.database_url
        buyers = asyncio.run(_buyers.prepare(ns))
        show = asyncio.run(_show(bench.urls["gate"]))
        results: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
        for run in range(args.runs):
            for target in targets:
                result = _one_run(target, bench.urls, show, buyers, ns, run)
                results[target].append(result)
                print(f"run {run + 1} {target:8} {result}", flush=True)
        checked = [r for runs in results.values() for r in runs if "check" in r]
        ok = all(r["check"]["exactly_quantity"] and r["check"]["nobody_over_limit"]
                 for r in checked)  # fmt: skip
        print_medians(results, "claims_per_second")
        print(f"checks {'ok' if ok else 'FAILED'} ({args.generator} generator)")


if __name__ == "__main__":
    main()
