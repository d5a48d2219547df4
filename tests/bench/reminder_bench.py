"""Reminder benchmark: notify N subscribers of a show's start while a room chats.

Each run starts a fresh node in the embedded shape (SQLite: its one writer is what the
reminder round's chunks and the room's chat contend for) and drives a live room with
``livecommerce loadtest fanout`` (viewers, chatters, publish-to-receipt latency). Before
the chat starts, a second show of the same node is seeded with ``--subscribers`` users
who tapped 预约 (bulk inserts). The baseline run only chats; the reminder run starts the
seeded show while the room chats and times the node's reminder round from the start
request to the round's ``done_at`` (every subscriber has their notification). With
``--webhook`` the show's merchant also has a webhook on a local receiver, so the round
queues the signed deliveries (one per 1,000 subscribers) and the sender posts them.
Prints both p99s and the round's duration.

    python -m tests.bench.reminder_bench --subscribers 100000 --viewers 500 --chat-rate 20
"""

from __future__ import annotations

import argparse
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select

from livecommerce.storage.follow_models import Notification, Reminder, ReminderRound
from livecommerce.storage.models import User
from tests.servers import Server, start_server

PASSWORD = "bench-password"
SEED_BATCH = 10_000


def _sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def _signup(api: httpx.Client, handle: str, role: str) -> tuple[str, int]:
    body = {"handle": handle, "password": PASSWORD, "display_name": handle, "role": role}
    made = api.post("/api/auth/signup", json=body)
    made.raise_for_status()
    return made.json()["token"], made.json()["user"]["id"]


def _seed(server: Server, database_url: str, subscribers: int, hook: str | None) -> tuple[int, str]:
    """A shop, its host, an upcoming show with ``subscribers`` reminders; (room, host token)."""
    with httpx.Client(base_url=server.url, timeout=60) as api:
        shop, _ = _signup(api, "bench_shop", "merchant")
        host, _ = _signup(api, "bench_host", "host")
        viewer, _ = _signup(api, "bench_fan", "viewer")
        auth = {"Authorization": f"Bearer {shop}"}
        item = {"title": "Bench tea", "price_cents": 990, "stock": 10}
        product_id = api.post("/api/products", json=item, headers=auth).json()["id"]
        show = {"title": "Reminded show", "host": "bench_host", "product_ids": [product_id],
                "scheduled_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}  # fmt: skip
        room_id = api.post("/api/rooms", json=show, headers=auth).json()["id"]
        # One reminder through the API makes the show's rounds; the rest are bulk rows.
        api.put(f"/api/rooms/{room_id}/reminder", headers={"Authorization": f"Bearer {viewer}"})
        if hook:
            api.post("/api/webhooks", json={"url": hook}, headers=auth).raise_for_status()
    engine = create_engine(_sync_url(database_url))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, subscribers - 1, SEED_BATCH):
            n = min(SEED_BATCH, subscribers - 1 - start)
            users = [{"handle": f"fan{start + i}", "display_name": f"Fan {start + i}",
                      "password_hash": "x", "role": "viewer", "created_at": now,
                      "token_generation": 0} for i in range(n)]  # fmt: skip
            ids = [row.id for row in conn.execute(insert(User).returning(User.id), users)]
            conn.execute(
                insert(Reminder),
                [{"room_id": room_id, "user_id": u, "created_at": now} for u in ids],
            )
    engine.dispose()
    return room_id, host


def _round_done(database_url: str, room_id: int, timeout: float) -> dict[str, Any]:
    engine = create_engine(_sync_url(database_url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                row = conn.execute(
                    select(ReminderRound.done_at, ReminderRound.notified)
                    .where(ReminderRound.room_id == room_id, ReminderRound.kind == "start")
                ).first()  # fmt: skip
                if row is not None and row.done_at is not None:
                    sent = conn.scalar(select(func.count()).select_from(Notification)
                                       .where(Notification.room_id == room_id))  # fmt: skip
                    return {"notified": row.notified, "notification_rows": sent}
            time.sleep(0.05)
    finally:
        engine.dispose()
    return {"notified": None}


def _remind(server: Server, database_url: str, room_id: int, host: str, delay: float,
            result: dict[str, Any]) -> None:  # fmt: skip
    time.sleep(delay)  # let the chat reach its rate first
    started = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=60) as api:
        api.post(f"/api/rooms/{room_id}/start",
                 headers={"Authorization": f"Bearer {host}"}).raise_for_status()  # fmt: skip
    result.update(_round_done(database_url, room_id, timeout=300))
    result["seconds"] = round(time.perf_counter() - started, 2)


def _fanout(server: Server, args: argparse.Namespace) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout", "--url", server.url,
        "--viewers", str(args.viewers), "--rooms", "1", "--chat-rate", str(args.chat_rate),
        "--duration", str(args.duration), "--json",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


class _Hooks(http.server.BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).received += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _run(args: argparse.Namespace, log_dir: Path, run: str) -> dict[str, Any]:
    database_url = f"sqlite+aiosqlite:///{log_dir / f'{run}.db'}"
    env = {"LIVECOMMERCE_DATABASE_URL": database_url, "LIVECOMMERCE_SECRET_KEY": "bench",
           "LIVECOMMERCE_WS_PER_ADDRESS": str(args.viewers + 100),
           "LIVECOMMERCE_WEBHOOK_ALLOW_LOOPBACK": "true"}  # fmt: skip
    receiver = None
    if args.webhook:
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
    server = start_server(env, log_dir, port=args.port)
    reminder: dict[str, Any] = {}
    try:
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks" if receiver else None
        room_id, host = _seed(server, database_url, args.subscribers, hook)
        generator = _fanout(server, args)
        worker = None
        if run == "reminder":
            worker = threading.Thread(
                target=_remind, args=(server, database_url, room_id, host, args.delay, reminder)
            )
            worker.start()
        out, _ = generator.communicate(timeout=900)
        if worker is not None:
            worker.join()
    finally:
        server.stop()
        if receiver is not None:
            receiver.shutdown()
    report: dict[str, Any] = json.loads(out[out.index("{") :])
    if receiver is not None:
        reminder["webhook_posts"] = _Hooks.received
    latency = report["latency"]
    return {
        "p99_ms": latency["p99_ms"], "p50_ms": latency["p50_ms"],
        "delivery_ratio": report.get("delivery_ratio"), "reminder": reminder or None,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--chat-rate", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of chat per run")
    parser.add_argument("--delay", type=float, default=3.0, help="chat seconds before the start")
    parser.add_argument("--webhook", action="store_true", help="the shop has a local webhook")
    parser.add_argument("--port", type=int, default=None, help="the node's port (default: free)")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="lc-reminder-"))
    results = {run: _run(args, log_dir, run) for run in ("baseline", "reminder")}
    for run, figures in results.items():
        print(f"{run}: {json.dumps(figures)}", flush=True)
    base, during = results["baseline"]["p99_ms"], results["reminder"]["p99_ms"]
    if base is not None and during is not None:
        print(f"chat p99 during the reminders - without: {during - base:+.1f} ms")


if __name__ == "__main__":
    main()
