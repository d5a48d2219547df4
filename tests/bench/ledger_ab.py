"""What the show ledger costs the fan-out: the same node with the ledger on and off, back
to back, under the fan-out benchmark's room plus the room page's funnel beacons.

Each run starts ``livecommerce serve`` on a fresh SQLite database (or the ``--database-url``
/ ``--redis-url`` given: the scaled shape) with ``LIVECOMMERCE_ANALYTICS_ENABLED`` true or
false, and drives it with ``livecommerce loadtest fanout`` (viewers, chat at
``--chat-rate``, and ``--beacon-share`` of the viewers sending an impression and a click
per minute). Prints each run, the medians, and the issue's budget: the ledger may cost at
most 5 % of deliveries/s and 10 ms of chat publish-to-receipt p99.

    python -m tests.bench.ledger_ab --viewers 10000 --chat-rate 100 --duration 20 --runs 3
    python -m tests.bench.ledger_ab --viewers 300 --chat-rate 20 --duration 5 --runs 1  # smoke
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

MAX_DELIVERY_LOSS = 0.05
MAX_P99_GAIN_MS = 10.0


def _run(args: argparse.Namespace, *, enabled: bool, work: Path, port: int) -> dict[str, Any]:
    database = args.database_url or f"sqlite+aiosqlite:///{work / 'bench.db'}"
    env = {
        "LIVECOMMERCE_DATABASE_URL": database,
        "LIVECOMMERCE_SECRET_KEY": "bench",
        "LIVECOMMERCE_WS_PER_ADDRESS": str(2 * args.viewers + 1000),
        "LIVECOMMERCE_WS_PER_USER": str(2 * args.viewers + 1000),
        "LIVECOMMERCE_ANALYTICS_ENABLED": "true" if enabled else "false",
    }
    if args.redis_url:
        env["LIVECOMMERCE_REDIS_URL"] = args.redis_url
    server = start_server(env, work, port=port)
    try:
        command = [
            sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout", "--url", server.url,
            "--viewers", str(args.viewers), "--rooms", "1", "--chat-rate", str(args.chat_rate),
            "--duration", str(args.duration), "--beacon-share", str(args.beacon_share),
            "--server-pid", str(server.process.pid), "--json",
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if out.returncode:
            raise RuntimeError(f"load test failed:\n{out.stderr[-3000:]}\n{server.log()[-2000:]}")
        report: dict[str, Any] = json.loads(out.stdout[out.stdout.index("{") :])
        return report
    finally:
        server.stop()


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "deliveries_per_second": report["deliveries_per_second"],
        "delivery_ratio": report["delivery_ratio"],
        "publish_to_receipt_p99_ms": (report.get("latency_from_event") or {}).get("p99_ms"),
        "send_to_receipt_p99_ms": (report.get("latency") or {}).get("p99_ms"),
        "disconnects": report["disconnects"],
    }


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--chat-rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--beacon-share", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=9100, help="the server's port")
    parser.add_argument("--database-url", help="a PostgreSQL URL for the scaled shape")
    parser.add_argument("--redis-url", help="with --database-url: the scaled shape's Redis")
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for run in range(args.runs):
        # Alternate which goes first, so a warming or cooling box favours neither.
        order = ("off", "on") if run % 2 == 0 else ("on", "off")
        for name in order:
            with tempfile.TemporaryDirectory() as work:
                report = _run(args, enabled=name == "on", work=Path(work), port=args.port)
            figures = _figures(report)
            results[name].append(figures)
            print(f"run {run + 1} ledger {name}: {json.dumps(figures)}", flush=True)
    medians = {
        name: {key: _median(runs, key) for key in ("deliveries_per_second",
                                                   "publish_to_receipt_p99_ms")}
        for name, runs in results.items()
    }  # fmt: skip
    print(f"median: {json.dumps(medians)}")
    off, on = medians["off"], medians["on"]
    if off["deliveries_per_second"] and on["deliveries_per_second"] is not None:
        loss = 1 - on["deliveries_per_second"] / off["deliveries_per_second"]
        verdict = "ok" if loss <= MAX_DELIVERY_LOSS else "OVER BUDGET"
        print(f"deliveries/s cost of the ledger: {loss:.2%} (budget 5%): {verdict}")
    if off["publish_to_receipt_p99_ms"] is not None and on["publish_to_receipt_p99_ms"] is not None:
        gain = on["publish_to_receipt_p99_ms"] - off["publish_to_receipt_p99_ms"]
        verdict = "ok" if gain <= MAX_P99_GAIN_MS else "OVER BUDGET"
        print(
            f"publish-to-receipt p99 added by the ledger: {gain:+.1f} ms (budget 10 ms): {verdict}"
        )


if __name__ == "__main__":
    main()
