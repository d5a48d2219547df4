"""A/B fan-out benchmark: the node of two source trees under the same load, alternating.

For "is this change slower?": ``--a`` and ``--b`` are checkouts (``git worktree add``)
of the two commits. Each run starts ``livecommerce serve`` from one tree on a fresh
SQLite database and drives it with this tree's ``livecommerce loadtest fanout``, so the
load generator is the same for both. Prints each run and the medians.

    python -m tests.bench.fanout_ab --a /tmp/before --b . --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.servers import start_server

# (report key, inner key): deliveries, publish-to-receipt p99, send-to-receipt p50 and p99.
FIELDS = (("deliveries_per_second", None), ("latency_from_event", "p99_ms"),
          ("latency", "p50_ms"), ("latency", "p99_ms"), ("disconnects", None),
          ("server_kib_per_viewer", None))  # fmt: skip


def _run(tree: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    env = {
        "PYTHONPATH": str(tree),
        "LIVECOMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'bench.db'}",
        "LIVECOMMERCE_SECRET_KEY": "bench",
        "LIVECOMMERCE_WS_PER_ADDRESS": str(2 * args.viewers + 1000),
        "LIVECOMMERCE_WS_PER_USER": str(2 * args.viewers + 1000),
    }
    server = start_server(env, work, cwd=tree)
    try:
        command = [
            sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout", "--url", server.url,
            "--viewers", str(args.viewers), "--rooms", "1", "--chat-rate", str(args.chat_rate),
            "--duration", str(args.duration), "--server-pid", str(server.process.pid), "--json",
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if out.returncode:
            raise RuntimeError(f"load test failed:\n{out.stderr[-3000:]}\n{server.log()[-2000:]}")
        report: dict[str, Any] = json.loads(out.stdout[out.stdout.index("{") :])
        return report
    finally:
        server.stop()


def _pick(report: dict[str, Any], field: tuple[str, str | None]) -> Any:
    value = report.get(field[0])
    return value.get(field[1]) if field[1] and isinstance(value, dict) else value


def _name(field: tuple[str, str | None]) -> str:
    return ".".join(part for part in field if part)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--a", type=Path, required=True, help="the baseline tree")
    parser.add_argument("--b", type=Path, required=True, help="the changed tree")
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--chat-rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    for run in range(args.runs):
        for name in ("a", "b"):
            with tempfile.TemporaryDirectory() as work:
                report = _run(getattr(args, name).resolve(), args, Path(work))
            results[name].append(report)
            figures = {_name(f): _pick(report, f) for f in FIELDS}
            print(f"run {run + 1} {name}: {json.dumps(figures)}", flush=True)
    for name in ("a", "b"):
        medians = {}
        for field in FIELDS:
            values = [v for r in results[name] if isinstance(v := _pick(r, field), int | float)]
            medians[_name(field)] = statistics.median(values) if values else None
        print(f"median {name}: {json.dumps(medians)}")


if __name__ == "__main__":
    main()
