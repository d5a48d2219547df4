"""HLS-through-a-cache benchmark (issue 20): what 1,000 HLS viewers behind nginx cost the
media node, against what 100 WebRTC viewers cost it, in the same run.

Not a test. Each run starts a real ``livecommerce serve`` (embedded shape, recording on),
a 1280x720 / 30 fps H.264 publisher (a process of its own), and Debian's nginx as a
foreground child caching ``/media/`` (``tests/media/nginx.py``: the README's config).
The node's CPU (all threads, /proc) is read over equal windows: idle (the show only),
with ``--hls`` simulated hls.js viewers polling through nginx (worker processes), idle
again, then with ``--webrtc`` WHEP viewers straight on the node. Each load's cost is its
window minus the idle window just before it::

    cd /work/wt-media-bench && PYTHONPATH=$PWD /work/main/.venv/bin/python \
        -m tests.bench.hls_cache_bench --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from livecommerce.loadtest.media import _setup_room
from tests.bench.hls_viewers import run_hls_viewers
from tests.bench.media_bench import _measure, _stop, _wait_for, process_cpu
from tests.bench.record_bench import fresh_database, run_h264_publisher
from tests.media.nginx import NGINX, running_nginx
from tests.servers import start_server

CTX = multiprocessing.get_context("spawn")


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (nginx's master and worker)."""
    return process_cpu(pid) + sum(process_cpu(child) for child in children(pid))


def window(pid: int, seconds: float) -> float:
    """Cores the process used over the next ``seconds``."""
    before, began = process_cpu(pid), time.perf_counter()
    time.sleep(seconds)
    return (process_cpu(pid) - before) / (time.perf_counter() - began)


def one_run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.pop("LIVECOMMERCE_REDIS_URL", None)  # the embedded shape
    with tempfile.TemporaryDirectory(prefix="hls-bench-") as tmp:
        env = {
            "LIVECOMMERCE_DATABASE_URL": fresh_database(tmp),
            "LIVECOMMERCE_DATA_DIR": tmp,
            "LIVECOMMERCE_MEDIA_RECORDING": "true",
            "LIVECOMMERCE_MEDIA_MAX_VIEWERS": str(args.webrtc + 10),
            "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "8",
        }
        server = start_server(env, Path(tmp), port=args.port, timeout=300)
        try:
            room_id, token = asyncio.run(_setup_room(server.url))
            frames, stop_pub = CTX.Value("i", 0), CTX.Event()
            size = tuple(int(v) for v in args.size.split("x"))
            whip = f"{server.url}/api/rooms/{room_id}/whip"
            publisher = CTX.Process(
                target=run_h264_publisher, args=(whip, token, size, True, frames, stop_pub)
            )
            publisher.start()
            try:
                upstream = server.url.removeprefix("http://")
                with running_nginx(NGINX, upstream, args.port + 1, Path(tmp, "nginx")) as nginx:
                    whep = f"{server.url}/api/rooms/{room_id}/whep"
                    live = f"{nginx.url}/media/hls/{room_id}/live.m3u8"
                    pids = (server.process.pid, nginx.process.pid, publisher.pid or 0)
                    report = _phases(args, pids, live, whep, frames)
            finally:
                stop_pub.set()
                _stop(publisher)
        finally:
            server.stop()
    return report


def _phases(
    args: argparse.Namespace, pids: tuple[int, int, int], live: str, whep: str, frames: Any
) -> dict[str, Any]:
    pid, nginx_pid, publisher_pid = pids
    _wait_for(lambda: _segments(live) >= 3, 180, "the live playlist never had 3 segments")
    time.sleep(args.warmup)
    idle_hls = window(pid, args.window)
    hls = _hls_phase(args, pid, live, nginx_pid)
    hls_cores = hls.pop("node_cores")
    idle_webrtc = window(pid, args.window)
    webrtc = _measure(pid, publisher_pid, frames, whep, args.webrtc, args)
    return {
        "idle_cores": round(idle_hls, 3),
        "hls_cores": round(hls_cores, 3),
        "hls_added_cores": round(hls_cores - idle_hls, 3),
        "idle_before_webrtc_cores": round(idle_webrtc, 3),
        "webrtc_cores": webrtc["server_cores"],
        "webrtc_added_cores": round(webrtc["server_cores"] - idle_webrtc, 3),
        "webrtc_watching": webrtc["watching"],
        "webrtc_fps_p50": webrtc["fps_p50"],
        "hls": hls,
    }


def _segments(url: str) -> int:
    try:
        answer = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return 0
    return answer.text.count("#EXTINF") if answer.status_code == 200 else 0


def _hls_phase(args: argparse.Namespace, pid: int, url: str, nginx_pid: int) -> dict[str, Any]:
    start, stop, out = CTX.Event(), CTX.Event(), CTX.Queue()
    counts = [args.hls // args.hls_procs + (i < args.hls % args.hls_procs)
              for i in range(args.hls_procs)]  # fmt: skip
    workers = [CTX.Process(target=run_hls_viewers, args=(url, n, start, stop, out))
               for n in counts]  # fmt: skip
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            out.get(timeout=60)
        start.set()
        time.sleep(args.settle)  # every viewer joined and past its first playlist
        before = (process_cpu(pid), tree_cpu(nginx_pid), time.perf_counter())
        time.sleep(args.window)
        after = (process_cpu(pid), tree_cpu(nginx_pid), time.perf_counter())
        stop.set()
        results = [out.get(timeout=60)[1] for _ in workers]
    finally:
        stop.set()
        for worker in workers:
            _stop(worker, 30)
    elapsed = after[2] - before[2]
    cores = (after[0] - before[0]) / elapsed
    return {
        "node_cores": cores,
        "nginx_cores": round((after[1] - before[1]) / elapsed, 3),
        "viewer_procs_cores": round(sum(r["cpu_cores"] for r in results), 2),
        **_merged(results),
    }


def _merged(results: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {"requests": 0, "segments": 0, "bytes": 0, "errors": {}, "cache": {}}
    for result in results:
        for key in ("requests", "segments", "bytes"):
            merged[key] += result[key]
        for key in ("errors", "cache"):
            for name, count in result[key].items():
                merged[key][name] = merged[key].get(name, 0) + count
    return merged


SUMMARY = ("idle_cores", "hls_added_cores", "webrtc_added_cores", "idle_before_webrtc_cores")


def main() -> None:
    args = parse_args()
    reports = []
    for _ in range(args.runs):
        try:
            report = one_run(args)
        except Exception as exc:  # a run that breaks is reported, not fatal to the others
            report = {"failed": repr(exc)}
        print(json.dumps(report), flush=True)
        reports.append(report)
    good = [r for r in reports if "failed" not in r]
    summary: dict[str, Any] = {"runs": len(good), "hls_viewers": args.hls,
                               "webrtc_viewers": args.webrtc}  # fmt: skip
    for key in SUMMARY:
        summary[f"median_{key}"] = round(statistics.median(r[key] for r in good), 3)
    nginx = statistics.median(r["hls"]["nginx_cores"] for r in good)
    summary["median_nginx_cores"] = round(nginx, 3)
    print(json.dumps(summary, indent=2))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--hls", type=int, default=1000, help="HLS viewers through nginx")
    p.add_argument("--hls-procs", type=int, default=4, help="HLS viewer worker processes")
    p.add_argument("--webrtc", type=int, default=100, help="WebRTC viewers on the node")
    p.add_argument("--viewer-procs", type=int, default=2, help="WebRTC viewer processes")
    p.add_argument("--port", type=int, default=8350, help="the node's; nginx takes the next")
    p.add_argument("--window", type=float, default=10.0, help="measured seconds per phase")
    p.add_argument("--settle", type=float, default=4.0, help="seconds after the viewers start")
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--ramp", type=float, default=10.0, help="WebRTC viewers joining per second")
    p.add_argument("--size", default="1280x720")
    return p.parse_args()


if __name__ == "__main__":
    main()
