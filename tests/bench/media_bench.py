"""Media benchmark (issue 5): our relay against aiortc's stock ``MediaRelay``.

Not a test (pytest does not collect it). One 1280x720 / 30 fps test-pattern publisher
(a process of its own) and N viewers (worker processes) on one box. For each run the
server process's CPU (utime + stime from /proc, all threads) is read over a fixed
window that starts once every viewer has its first frame; viewers count the encoded
frames they receive in the same window, without decoding::

    cd /work/main && /work/venv/bin/python -m tests.bench.media_bench \
        --viewers 25,50,100 --baseline-counts 1,2,4,8,16 --runs 3

Ours is a real ``livecommerce serve`` (embedded shape, temporary SQLite); the baseline
(``media_baseline``) decodes once and encodes per viewer, and its sweep stops at the
first viewer count whose median viewer frame rate falls under ``--min-fps``.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from livecommerce.loadtest.media import _setup_room
from livecommerce.loadtest.report import percentile
from tests.bench import media_baseline
from tests.bench.media_procs import run_publisher, run_viewers
from tests.servers import free_port, start_server

CTX = multiprocessing.get_context("spawn")
TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) of a live process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def box_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole box, summed over its cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK


def cpu_pressure() -> float:
    """Seconds during which some task on the box waited for a CPU (PSI, cumulative)."""
    some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
    return int(some.rsplit("total=", 1)[1]) / 1e6


# --- servers -------------------------------------------------------------------------
@contextmanager
def our_server(max_viewers: int) -> Iterator[tuple[int, str, str]]:
    """(pid, WHIP URL, host token) of a fresh ``livecommerce serve`` with a live room."""
    os.environ.pop("LIVECOMMERCE_REDIS_URL", None)  # the embedded shape, whatever the shell says
    with tempfile.TemporaryDirectory(prefix="media-bench-") as tmp:
        env = {
            "LIVECOMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "LIVECOMMERCE_SECRET_KEY": "media-bench-secret",
            "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
            "LIVECOMMERCE_MEDIA_MAX_VIEWERS": str(max_viewers + 10),
        }
        logs = Path(tempfile.gettempdir()) / "media_bench_logs"
        logs.mkdir(exist_ok=True)  # kept: the server's log explains a run that broke
        server = start_server(env, logs)
        try:
            room, token = asyncio.run(_setup_room(server.url))
            yield server.process.pid, f"{server.url}/api/rooms/{room}", token
        finally:
            server.stop()


@contextmanager
def baseline_server(max_viewers: int) -> Iterator[tuple[int, str, str]]:
    port = free_port()
    process = CTX.Process(target=media_baseline.serve, args=(port,), daemon=True)
    process.start()
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        assert process.pid is not None
        yield process.pid, f"http://127.0.0.1:{port}/api/rooms/1", "no-auth"
    finally:
        _stop(process)


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not up after {timeout}s")


def _stop(process: Any, timeout: float = 15.0) -> None:
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join(5)


# --- one run ---------------------------------------------------------------------------
Server = Callable[[int], Any]


def one_run(target: str, server: Server, viewers: int, args: argparse.Namespace) -> dict[str, Any]:
    with server(viewers) as (pid, room_url, token):
        frames, stop_pub = CTX.Value("i", 0), CTX.Event()
        size = tuple(int(v) for v in args.size.split("x"))
        publisher = CTX.Process(
            target=run_publisher, args=(f"{room_url}/whip", token, size, frames, stop_pub)
        )
        publisher.start()
        try:
            _wait_for(lambda: frames.value > 0, 30, "the publisher never sent a frame")
            time.sleep(args.warmup)  # let aiortc's bitrate estimate ramp up
            report = _measure(pid, publisher.pid or 0, frames, f"{room_url}/whep", viewers, args)
        finally:
            stop_pub.set()
            _stop(publisher)
    return {"target": target, "viewers": viewers, **report}


def _measure(
    pid: int, pub_pid: int, frames: Any, whep: str, viewers: int, args: argparse.Namespace
) -> dict[str, Any]:
    start, stop, out = CTX.Event(), CTX.Event(), CTX.Queue()
    procs = min(args.viewer_procs, viewers)
    counts = [viewers // procs + (i < viewers % procs) for i in range(procs)]
    workers = [
        CTX.Process(target=run_viewers, args=(whep, n, args.ramp / procs, start, stop, out))
        for n in counts
    ]
    for worker in workers:
        worker.start()
    try:
        join_deadline = viewers / args.ramp + 60
        joined = sum(out.get(timeout=join_deadline)[1] for _ in workers)
        time.sleep(args.settle)
        loadavg = Path("/proc/loadavg").read_text().split()[:3]
        before = (process_cpu(pid), process_cpu(pub_pid), frames.value, box_busy(), cpu_pressure())
        began = time.perf_counter()
        start.set()
        time.sleep(args.window)
        stop.set()
        elapsed = time.perf_counter() - began
        after = (process_cpu(pid), process_cpu(pub_pid), frames.value, box_busy(), cpu_pressure())
        results = [out.get(timeout=60)[1] for _ in workers]
    finally:
        stop.set()
        for worker in workers:
            _stop(worker, 30)
    return _figures(viewers, joined, results, before, after, elapsed, loadavg)


def _figures(
    viewers: int,
    joined: int,
    results: list[dict[str, Any]],
    before: tuple[Any, ...],
    after: tuple[Any, ...],
    elapsed: float,
    loadavg: list[str],
) -> dict[str, Any]:
    fps = [f for r in results for f in r["fps"]]
    joins = [j for r in results for j in r["join_seconds"]]
    errors: dict[str, int] = {}
    for error in (e for r in results for e in r["errors"]):
        errors[error] = errors.get(error, 0) + 1
    server_cores = (after[0] - before[0]) / elapsed
    busy, total = after[3][0] - before[3][0], after[3][1] - before[3][1]
    host_fps = (after[2] - before[2]) / elapsed
    received = sum(r["video_packets"][0] for r in results)
    lost = sum(r["video_packets"][1] for r in results)

    def ms(q: float) -> float | None:
        value = percentile(joins, q)
        return None if value is None else round(value * 1000)

    return {
        "watching": joined,
        "errors": errors,
        "server_cores": round(server_cores, 3),
        "millicores_per_viewer": round(1000 * server_cores / viewers, 2),
        "host_fps": round(host_fps, 1),
        "fps_p50": _r(percentile(fps, 50)),
        "fps_p50_of_host": _r(100 * (percentile(fps, 50) or 0) / host_fps if host_fps else None),
        "fps_min": _r(min(fps) if fps else None),
        "join_p50_ms": ms(50),
        "join_p95_ms": ms(95),
        "publisher_cores": round((after[1] - before[1]) / elapsed, 2),
        "viewer_procs_cores": round(sum(r["cpu_cores"] for r in results), 2),
        "video_loss_pct": _r(100 * lost / (received + lost) if received + lost else None),
        "box_busy_cores": round((os.cpu_count() or 1) * busy / total if total else 0.0, 2),
        "box_cpu_pressure_pct": round(100 * (after[4] - before[4]) / elapsed),
        "loadavg_at_window": " ".join(loadavg),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _wait_for(check: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(message)
        time.sleep(0.1)


# --- sweeps and summary ----------------------------------------------------------------
SUMMARY_KEYS = (
    "watching", "server_cores", "millicores_per_viewer", "host_fps", "fps_p50", "fps_min",
    "fps_p50_of_host", "join_p50_ms", "join_p95_ms", "video_loss_pct", "publisher_cores",
    "viewer_procs_cores", "box_busy_cores", "box_cpu_pressure_pct",
)  # fmt: skip


def runs_at(target: str, server: Server, viewers: int, args: argparse.Namespace) -> dict[str, Any]:
    """``--runs`` runs at one viewer count; the median of each figure."""
    reports = []
    for _ in range(args.runs):
        try:
            report = one_run(target, server, viewers, args)
        except Exception as exc:  # a run that breaks is reported, not fatal to the sweep
            report = {"target": target, "viewers": viewers, "failed": repr(exc)}
        print(json.dumps(report), flush=True)
        reports.append(report)
    good = [r for r in reports if "failed" not in r]
    summary: dict[str, Any] = {"target": target, "viewers": viewers, "runs": len(good)}
    for key in SUMMARY_KEYS:
        values = [r[key] for r in good if r[key] is not None]
        summary[key] = round(statistics.median(values), 2) if values else None
    summary["loadavg"] = [r["loadavg_at_window"] for r in good]
    return summary


def sustains(summary: dict[str, Any], min_fps: float) -> bool:
    return bool(
        summary["runs"]
        and summary["watching"] == summary["viewers"]
        and (summary["fps_p50"] or 0) >= min_fps
    )


def main() -> None:
    args = parse_args()
    summaries: list[dict[str, Any]] = []
    if args.target in ("ours", "both"):
        for count in _counts(args.viewers):
            summaries.append(runs_at("ours", our_server, count, args))
    if args.target in ("baseline", "both"):
        for count in _counts(args.baseline_counts):
            summaries.append(runs_at("aiortc-MediaRelay", baseline_server, count, args))
            if not sustains(summaries[-1], args.min_fps):
                break  # past the largest count it sustains
    print_table(summaries, args.min_fps)


def print_table(summaries: list[dict[str, Any]], min_fps: float) -> None:
    columns = ("target", "viewers", "runs", *SUMMARY_KEYS)
    print("\nmedians over runs; sustained = every viewer joined and p50 fps >=", min_fps)
    print(" | ".join(("sustained", *columns)))
    for s in summaries:
        cells = ["yes" if sustains(s, min_fps) else "no", *(str(s[c]) for c in columns)]
        print(" | ".join(cells))
    print(json.dumps(summaries))


def _counts(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", choices=("ours", "baseline", "both"), default="both")
    p.add_argument("--viewers", default="100", help="viewer counts for our relay")
    p.add_argument("--baseline-counts", default="1,2,4,8,16,32", help="the baseline's sweep")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--window", type=float, default=10.0, help="measured seconds")
    p.add_argument("--ramp", type=float, default=10.0, help="viewers joining per second")
    p.add_argument("--settle", type=float, default=2.0, help="seconds after the last join")
    p.add_argument("--warmup", type=float, default=4.0, help="publisher seconds before viewers")
    p.add_argument("--viewer-procs", type=int, default=2, help="viewer worker processes")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--min-fps", type=float, default=25.0)
    return p.parse_args()


if __name__ == "__main__":
    main()
