"""Fan-out benchmark: a real node against a bare ``websockets`` broadcast() server.

Both are driven by ``livecommerce loadtest fanout`` with the same viewers, rooms and chat
rate; the real node runs in the embedded shape (SQLite, in-process hub) on a fresh
database. Server memory per idle viewer comes from /proc. Prints each run and medians.

    python -m tests.bench.fanout_bench --viewers 10000 --chat-rate 100 --duration 20 --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.servers import Server, free_port, start_server


def _bare(log_dir: Path) -> Server:
    port = free_port()
    log_path = log_dir / "bare.log"
    command = [sys.executable, "tests/bench/bare_broadcast.py", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    time.sleep(1.5)
    return Server(f"http://127.0.0.1:{port}", process, log_path)


def _drive(
    server: Server, args: argparse.Namespace, *, bare: bool, database: str | None
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "livecommerce.cli",
        "loadtest",
        "fanout",
        "--url",
        server.url,
        "--viewers",
        str(args.viewers),
        "--rooms",
        "1",
        "--chat-rate",
        str(args.chat_rate),
        "--duration",
        str(args.duration),
        "--server-pid",
        str(server.process.pid),
        "--json",
    ]
    command += ["--connect-timeout", str(args.connect_timeout)]
    if bare:
        command.append("--bare")
    if database is not None:
        # The chatters go straight into the database: signing 200 of them up through the
        # API costs the node minutes of password hashing before the measurement starts.
        command += ["--database-url", database, "--secret-key", "bench"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise RuntimeError(f"load test failed:\n{out.stderr[-3000:]}\n{server.log()[-2000:]}")
    report: dict[str, Any] = json.loads(out.stdout[out.stdout.index("{") :])
    return report


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--chat-rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--connect-timeout", type=float, default=400.0, help="seconds for the viewers to join"
    )
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="lc-fanout-"))
    results: dict[str, list[dict[str, Any]]] = {"node": [], "bare": []}
    for run in range(args.runs):
        for kind in ("node", "bare"):
            db: str | None = None
            if kind == "node":
                db = f"sqlite+aiosqlite:///{log_dir / f'run{run}.db'}"
                env = {"LIVECOMMERCE_DATABASE_URL": db, "LIVECOMMERCE_SECRET_KEY": "bench"}
                # Every socket comes from this one address: viewers, 2 chatters per
                # message/s and the host's, with room to spare as in ledger_ab.
                env["LIVECOMMERCE_WS_PER_ADDRESS"] = str(2 * args.viewers + 1000)
                env["LIVECOMMERCE_WS_PER_USER"] = str(2 * args.viewers + 1000)
                server = start_server(env, log_dir, timeout=180.0)
            else:
                server = _bare(log_dir)
            try:
                report = _drive(server, args, bare=kind == "bare", database=db)
            finally:
                server.stop()
            results[kind].append(report)
            print(f"run {run + 1} {kind}: {json.dumps(report)}", flush=True)
    for kind, runs in results.items():
        p99 = [r["latency"]["p99_ms"] for r in runs if r["latency"]["p99_ms"] is not None]
        p50 = [r["latency"]["p50_ms"] for r in runs if r["latency"]["p50_ms"] is not None]
        to_event, from_event = (
            [r[key]["p99_ms"] for r in runs if r.get(key, {}).get("p99_ms") is not None]
            for key in ("latency_to_event", "latency_from_event")
        )
        figures = {
            k: _median(runs, k)
            for k in (
                "viewers_connected",
                "deliveries_per_second",
                "delivery_ratio",
                "server_kib_per_viewer",
            )
        }
        figures["p50_ms"] = round(statistics.median(p50), 1) if p50 else None
        figures["p99_ms"] = round(statistics.median(p99), 1) if p99 else None
        figures["to_event_p99_ms"] = round(statistics.median(to_event), 1) if to_event else None
        figures["from_event_p99_ms"] = (
            round(statistics.median(from_event), 1) if from_event else None
        )
        print(f"median {kind}: {figures}")
    node, bare = (_median(results[k], "deliveries_per_second") for k in ("node", "bare"))
    if node and bare:
        print(f"node / bare deliveries per second: {node / bare:.2f}")


if __name__ == "__main__":
    main()
