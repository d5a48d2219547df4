"""``livecommerce loadtest fanout``: many viewers in live rooms while chatters talk.

Viewers are cheap protocol objects (``_wsclient``) spread over several processes;
chatters are real authenticated WebSocket clients sending ``chat.send`` at a fixed total
rate, each message carrying its send time so sampled viewers can measure
publish-to-receipt latency (same machine, same clock). Server memory per idle viewer
is read from the server's ``/metrics`` (or ``/proc`` with ``--server-pid``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import queue
import time
from collections.abc import Coroutine, Sequence
from dataclasses import asdict
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any
from urllib.parse import urlsplit

import websockets

from livecommerce.loadtest._http import Connection
from livecommerce.loadtest._rooms import FanoutRooms, end_rooms, setup_fanout_rooms
from livecommerce.loadtest._wsclient import Tally, Viewer, open_viewer
from livecommerce.loadtest.progress import Progress, note
from livecommerce.loadtest.report import emit, latency_summary

SAMPLE_EVERY = 50
"""One viewer in this many decodes JSON to measure latency; the rest only count."""
TALLY_GRACE_SECONDS = 60.0
"""How long after the chat ends the viewer processes may take to send their tallies."""


def _proc_rss(pid: int) -> float | None:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) * 1024
    return None


async def _server_rss(args: argparse.Namespace) -> float | None:
    if args.server_pid:
        return _proc_rss(args.server_pid)
    conn = Connection(args.url)
    code, raw = await conn.request("GET", "/metrics")
    await conn.close()
    for line in raw.decode().splitlines() if code == 200 else []:
        if line.startswith("process_resident_memory_bytes "):
            return float(line.split()[1])
    return None


async def _viewers(
    args: argparse.Namespace,
    rooms: list[int],
    count: int,
    offset: int,
    ready: Synchronized[int],
    go: Event,
) -> Tally:
    parts = urlsplit(args.url)
    tally, gate = Tally(), asyncio.Semaphore(100)
    opened: list[Viewer] = []

    async def one(i: int) -> None:
        async with gate:
            path = f"/ws/rooms/{rooms[(offset + i) % len(rooms)]}"
            viewer = await open_viewer(
                parts.hostname or "127.0.0.1",
                parts.port or 80,
                path,
                tally,
                sampled=(offset + i) % SAMPLE_EVERY == 0,
            )
            opened.append(viewer)
        with ready.get_lock():
            ready.value += 1

    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        tally.closed(f"connect:{failure}"[:60])
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    # Count only what arrives while the chatters talk, not the join snapshots.
    tally.frames = tally.bytes = tally.chats = 0
    tally.latencies.clear()
    tally.to_server.clear()
    tally.from_server.clear()
    beacons = asyncio.create_task(_beacons(args, opened, tally))
    await asyncio.sleep(args.duration + 2.0)
    beacons.cancel()
    return tally


async def _beacons(args: argparse.Namespace, viewers: list[Viewer], tally: Tally) -> None:
    """``--beacon-share`` of the viewers each send one funnel beacon (an impression and a
    click) per minute, spread evenly, as the room page does."""
    per_second = args.beacon_share * len(viewers) / 60.0
    if per_second <= 0 or not viewers:
        return
    item = {"product_id": args.product_id, "count": 1}
    events = [{"kind": "impression", **item}, {"kind": "click", **item}]
    text = json.dumps({"type": "analytics.beacon", "data": {"events": events}})
    began = time.perf_counter()
    for sent in itertools.count():
        due = began + sent / per_second
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tally.beacons += viewers[sent % len(viewers)].send_text(text)


def _viewer_process(
    args: argparse.Namespace,
    rooms: list[int],
    count: int,
    offset: int,
    ready: Synchronized[int],
    go: Event,
    out: Queue[dict[str, Any]],
) -> None:
    out.put(asdict(_run_fast(_viewers(args, rooms, count, offset, ready, go))))


def _run_fast(coroutine: Coroutine[Any, Any, Tally]) -> Tally:
    """Viewers on uvloop where it is installed (uvicorn's standard extra brings it).

    The generator shares the box with the server it measures, so its CPU is taken from
    the server's: at 10,000 viewers and 25,000 frames/s the viewer processes used 0.30
    of a core on uvloop against 0.37 on asyncio's loop (medians of 3 runs each).
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


async def _chat(args: argparse.Namespace, rooms: list[int], tokens: list[str]) -> int:
    base = args.url.replace("http://", "ws://")
    sockets = []
    for i, token in enumerate(tokens):
        query = f"?token={token}" if token else ""
        sockets.append(
            await websockets.connect(
                f"{base}/ws/rooms/{rooms[i % len(rooms)]}{query}", max_queue=None
            )
        )
    readers = [asyncio.create_task(_drain(ws)) for ws in sockets]
    sent, interval, began = 0, 1.0 / args.chat_rate, time.perf_counter()
    for ws in itertools.cycle(sockets):
        due = began + sent * interval
        if due - began >= args.duration:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body = f"lt {time.time():.6f}"
        await ws.send(json.dumps({"type": "chat.send", "data": {"body": body}}))
        sent += 1
    await asyncio.sleep(2.0)
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return sent


async def _drain(ws: Any) -> None:
    async for _ in ws:
        pass


def run(args: argparse.Namespace) -> int:
    setup = FanoutRooms()
    try:
        asyncio.run(setup_fanout_rooms(args, setup))
        report = _measure(args, setup.rooms, setup.chatters)
    finally:
        asyncio.run(end_rooms(args.url, setup.host_token, setup.rooms))
    emit(report, as_json=args.json)
    return 0


def _measure(args: argparse.Namespace, rooms: list[int], chatters: list[str]) -> dict[str, Any]:
    rss_before = asyncio.run(_server_rss(args))
    ctx = multiprocessing.get_context("fork")
    ready, go = ctx.Value("i", 0), ctx.Event()
    shares = [
        args.viewers // args.processes + (i < args.viewers % args.processes)
        for i in range(args.processes)
    ]
    offsets = list(itertools.accumulate([0, *shares[:-1]]))
    out: Queue[dict[str, Any]] = ctx.Queue()
    # Daemons: if this process fails, its exit ends them instead of waiting on them.
    workers = [
        ctx.Process(target=_viewer_process, args=(args, rooms, n, off, ready, go, out), daemon=True)
        for n, off in zip(shares, offsets, strict=True)
    ]
    for worker in workers:
        worker.start()
    deadline = time.time() + args.connect_timeout
    joined = Progress("viewers joined", args.viewers)
    while ready.value < args.viewers and time.time() < deadline:
        joined.update(ready.value)
        time.sleep(0.2)
    joined.update(ready.value)
    time.sleep(2.0)  # let the server settle before reading its memory
    rss_after = asyncio.run(_server_rss(args))
    connected = ready.value
    go.set()
    note(f"chatting at {args.chat_rate:g} messages/s for {args.duration:g} s")
    sent = asyncio.run(_chat(args, rooms, chatters))
    tallies = collect_tallies(out, workers, seconds=args.duration + TALLY_GRACE_SECONDS)
    for worker in workers:
        worker.join()
    return _report(args, rooms, connected, sent, tallies, rss_before, rss_after)


def collect_tallies(
    out: Queue[dict[str, Any]], workers: Sequence[BaseProcess], *, seconds: float
) -> list[dict[str, Any]]:
    """One tally from each viewer process, read while they run (a tally too big for the
    pipe keeps its process alive until it is read). A process that died without sending
    its tally, or a run past ``seconds``, is an error rather than a wait forever."""
    tallies: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while len(tallies) < len(workers):
        try:
            tallies.append(out.get(timeout=0.5))
            continue
        except queue.Empty:
            pass
        dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
        if dead:
            raise RuntimeError(f"a viewer process died without its tally (exit codes {dead})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(workers) - len(tallies)} viewer processes sent no tally")
    return tallies


def _report(
    args: argparse.Namespace,
    rooms: list[int],
    connected: int,
    sent: int,
    tallies: list[dict[str, Any]],
    rss_before: float | None,
    rss_after: float | None,
) -> dict[str, Any]:
    chats = sum(t["chats"] for t in tallies)
    closes: dict[str, int] = {}
    for tally in tallies:
        for reason, n in tally["closes"].items():
            closes[reason] = closes.get(reason, 0) + n
    per_conn = None
    if rss_before is not None and rss_after is not None and connected:
        per_conn = round((rss_after - rss_before) / connected / 1024, 2)
    expected = sent * connected / len(rooms)
    return {
        "viewers_connected": connected,
        "rooms": len(rooms),
        "room_ids": rooms,
        "chat_sent": sent,
        "chat_rate_per_second": round(sent / args.duration, 1),
        "deliveries": chats,
        "deliveries_per_second": round(chats / args.duration, 1),
        "delivery_ratio": round(chats / expected, 4) if expected else None,
        "frames": sum(t["frames"] for t in tallies),
        "megabytes_received": round(sum(t["bytes"] for t in tallies) / 1e6, 2),
        "latency": latency_summary([x for t in tallies for x in t["latencies"]]),
        # How much of that the server spent before fan-out (chat checks, the write).
        "latency_to_event": latency_summary([x for t in tallies for x in t["to_server"]]),
        # The rest: from the event's publish on the server to the viewer's receipt.
        "latency_from_event": latency_summary([x for t in tallies for x in t["from_server"]]),
        "disconnects": closes,
        "beacons_sent": sum(t["beacons"] for t in tallies),
        "server_kib_per_viewer": per_conn,
    }


def add_parser(generators: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = generators.add_parser("fanout", help="viewers and chatters in live rooms")
    p.add_argument("--url", required=True, help="base URL of a running node (loopback)")
    p.add_argument("--viewers", type=int, default=1000, help="WebSocket viewers in all")
    p.add_argument("--rooms", type=int, default=1, help="live rooms the viewers share")
    p.add_argument("--chat-rate", type=float, default=20.0, help="messages/s, all rooms")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of chat")
    p.add_argument("--chatters", type=int, default=0, help="default: 2 per message/s")
    p.add_argument("--processes", type=int, default=2, help="viewer processes")
    p.add_argument(
        "--connect-timeout", type=float, default=120.0, help="seconds for the viewers to join"
    )
    p.add_argument("--bare", action="store_true", help="no setup: rooms 1..R, no tokens")
    p.add_argument("--server-pid", type=int, help="read server memory from /proc")
    p.add_argument("--database-url", help="bulk-insert chatters (see flashsale)")
    p.add_argument("--secret-key", help="with --database-url: mint the chatters' tokens")
    p.add_argument(
        "--beacon-share", type=float, default=0.0,
        help="share of viewers sending one analytics beacon a minute (0.1: 10%%)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=_run_with_defaults)


def _run_with_defaults(args: argparse.Namespace) -> int:
    # The server allows each user 5 messages per 10 s; two chatters per message/s
    # keeps every chatter under that.
    args.chatters = args.chatters or max(2, int(args.chat_rate * 2 + 0.999))
    return run(args)
