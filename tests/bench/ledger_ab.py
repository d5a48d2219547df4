"""What the show ledger costs the fan-out: the same node with the ledger on and off, back
to back, under the fan-out benchmark's room plus the room page's funnel beacons.

Each run starts ``livecommerce serve`` on a fresh SQLite database (or the ``--database-url``
/ ``--redis-url`` given: the scaled shape) with ``LIVECOMMERCE_ANALYTICS_ENABLED`` true or
false, and drives it with ``livecommerce loadtest fanout`` (viewers, chat at
``--chat-rate``, and ``--beacon-share`` of the viewers sending an impression and a click
per minute). After each run (the server stopped, so its ledger flushed) it reads the
ledger's rows and checks that every beacon the load test wrote was counted as one
impression and one click (and that nothing was counted with the ledger off). Prints each
run, the medians, and the issue's budget: the ledger may cost at most 5 % of
deliveries/s and 10 ms of chat publish-to-receipt p99.

    python -m tests.bench.ledger_ab --viewers 10000 --chat-rate 100 --duration 20 --runs 3
    python -m tests.bench.ledger_ab --viewers 300 --chat-rate 20 --duration 5 --runs 1  # smoke
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.analytics.kinds import CLICK, IMPRESSION
from livecommerce.storage.models import LedgerEntry, LedgerMinute
from tests.servers import start_server

MAX_DELIVERY_LOSS = 0.05
MAX_P99_GAIN_MS = 10.0
_FUNNEL = {IMPRESSION: "impressions", CLICK: "clicks"}


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
    # A loaded shared box can take longer than the tests' 30 s to start a node.
    server = start_server(env, work, port=port, timeout=180.0)
    stopped = False
    try:
        command = [
            sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout", "--url", server.url,
            "--viewers", str(args.viewers), "--rooms", "1", "--chat-rate", str(args.chat_rate),
            "--duration", str(args.duration), "--beacon-share", str(args.beacon_share),
            "--server-pid", str(server.process.pid), "--json",
            "--connect-timeout", str(args.connect_timeout),
            # The chatters go straight into the database: hashing 200 passwords through
            # the API would cost the node minutes before the measurement even starts.
            "--database-url", database, "--secret-key", "bench",
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if out.returncode:
            raise RuntimeError(f"load test failed:\n{out.stderr[-3000:]}\n{server.log()[-2000:]}")
        report: dict[str, Any] = json.loads(out.stdout[out.stdout.index("{") :])
        server.stop()  # flushes the ledger's last interval
        stopped = True
        report["ledger_counted"] = asyncio.run(_counted(database, report["room_ids"]))
        return report
    finally:
        if not stopped:
            server.stop()


async def _counted(url: str, rooms: list[int]) -> dict[str, int]:
    """Impressions and clicks in the ledger's rows and in its per-minute rollup."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            entries = await conn.execute(
                select(LedgerEntry.kind, func.sum(LedgerEntry.count))
                .where(LedgerEntry.room_id.in_(rooms), LedgerEntry.kind.in_(_FUNNEL))
                .group_by(LedgerEntry.kind)
            )
            counted = {_FUNNEL[kind]: int(n) for kind, n in entries.all()}
            rollup = await conn.execute(
                select(func.sum(LedgerMinute.impressions), func.sum(LedgerMinute.clicks)).where(
                    LedgerMinute.room_id.in_(rooms)
                )
            )
            impressions, clicks = rollup.one()
    finally:
        await engine.dispose()
    return {
        "impressions": counted.get("impressions", 0),
        "clicks": counted.get("clicks", 0),
        "rollup_impressions": int(impressions or 0),
        "rollup_clicks": int(clicks or 0),
    }


def _check_counted(report: dict[str, Any], *, enabled: bool) -> None:
    """Refuse a run whose funnel load was not generated or not counted as sent."""
    sent, counted = report["beacons_sent"], report["ledger_counted"]
    if enabled and sent == 0:
        raise RuntimeError("the load test sent no beacons: the funnel load was not generated")
    expected = sent if enabled else 0
    if any(n != expected for n in counted.values()):
        raise RuntimeError(f"{sent} beacons sent but the ledger counted {counted}")


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "deliveries_per_second": report["deliveries_per_second"],
        "delivery_ratio": report["delivery_ratio"],
        "publish_to_receipt_p99_ms": (report.get("latency_from_event") or {}).get("p99_ms"),
        "send_to_receipt_p99_ms": (report.get("latency") or {}).get("p99_ms"),
        "disconnects": report["disconnects"],
        "beacons_sent": report["beacons_sent"],
        "ledger_counted": report["ledger_counted"],
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
    parser.add_argument(
        "--connect-timeout", type=float, default=120.0, help="seconds for the viewers to join"
    )
    parser.add_argument("--port", type=int, default=8200, help="the server's port")
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
            _check_counted(report, enabled=name == "on")
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
