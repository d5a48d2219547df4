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
from typing import Any

from livecommerce.loadtest import _buyers, flashsale
from tests.bench._bench import add_arguments, bench_servers, chosen, print_medians

TARGETS = ("gate", "locking", "noop")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, TARGETS)
    parser.add_argument("--limit", type=int, default=2)
    args = parser.parse_args()
    targets = chosen(args, TARGETS)
    baselines = [t for t in TARGETS[1:] if t in targets]
    with bench_servers(args, "tests.bench.flashsale_baseline", baselines) as bench:
        ns = argparse.Namespace(
            url=bench.urls["gate"], stock=args.stock, limit=args.limit, attempts=1,
            lead=4.0, window=600.0, processes=args.processes, connections=args.connections,
            buyers=args.buyers, database_url=bench.database_url, secret_key=bench.secret_key,
        )  # fmt: skip
        buyers = asyncio.run(_buyers.prepare(ns))
        results: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
        for run in range(args.runs):
            for target in targets:
                result = _one_run(target, bench.urls, buyers, ns)
                results[target].append(result)
                print(f"run {run + 1} {target:8} {result}", flush=True)
        print_medians(results, "attempts_per_second")


if __name__ == "__main__":
    main()
