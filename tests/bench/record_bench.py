"""Recording benchmark (issue 20): the media node's CPU with recording on vs off.

Not a test. One H.264 test-pattern publisher (1280x720 / 30 fps, a process of its own)
publishes to a real ``livecommerce serve`` (embedded shape, temporary SQLite and media
directory); the server's CPU (all threads, from /proc) is read over a fixed window after
the first segment is stored (or after a warm-up when recording is off)::

    cd /work/main && .venv/bin/python -m tests.bench.record_bench --seconds 30 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx

from livecommerce.loadtest.media import _setup_room
from livecommerce.media.client import whip_publish
from livecommerce.media.testpattern import ToneAudioTrack
from tests.bench.media_bench import process_cpu
from tests.bench.media_procs import PacedPatternTrack, quiet
from tests.servers import start_server

CTX = multiprocessing.get_context("spawn")


def run_h264_publisher(
    whip_url: str, token: str, size: tuple[int, int], frames: Synchronized[int], stop: Event
) -> None:
    quiet()
    asyncio.run(_publish(whip_url, token, size, frames, stop))


async def _publish(
    whip_url: str, token: str, size: tuple[int, int], frames: Synchronized[int], stop: Event
) -> None:
    video = PacedPatternTrack(*size)
    async with httpx.AsyncClient(timeout=30) as client:
        session = await whip_publish(
            whip_url, token, [video, ToneAudioTrack()], client=client, video_codec="video/H264"
        )
        try:
            while not stop.is_set():
                await asyncio.sleep(0.1)
                frames.value = video.frames_sent
        finally:
            await session.close()


def one_run(recording: bool, size: tuple[int, int], seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "LIVECOMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "LIVECOMMERCE_DATA_DIR": tmp,
            "LIVECOMMERCE_MEDIA_RECORDING": str(recording).lower(),
            "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "8",
        }
        server = start_server(env, Path(tmp))
        try:
            room_id, token = asyncio.run(_setup_room(server.url))
            frames = CTX.Value("i", 0)
            stop = CTX.Event()
            whip = f"{server.url}/api/rooms/{room_id}/whip"
            publisher = CTX.Process(
                target=run_h264_publisher, args=(whip, token, size, frames, stop)
            )
            publisher.start()
            _warm_up(server.url, room_id, recording)
            cpu0, frames0, t0 = process_cpu(server.process.pid), frames.value, time.monotonic()
            time.sleep(seconds)
            cpu1, frames1, t1 = process_cpu(server.process.pid), frames.value, time.monotonic()
            stop.set()
            publisher.join(30)
            segments = sum(1 for _ in Path(tmp, "media").rglob("seg_*.m4s"))
        finally:
            server.stop()
    return {
        "recording": recording,
        "server_cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
        "publisher_fps": round((frames1 - frames0) / (t1 - t0), 1),
        "segments": segments,
    }


def _warm_up(url: str, room_id: int, recording: bool) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not recording:
            time.sleep(5)
            return
        if httpx.get(f"{url}/media/hls/{room_id}/live.m3u8").status_code == 200:
            return
        time.sleep(0.5)
    raise RuntimeError("no segment within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    results = [one_run(on, (width, height), args.seconds) for _ in range(args.runs)
               for on in (False, True)]  # fmt: skip
    summary = {
        state: statistics.median(
            r["server_cpu_percent"] for r in results if r["recording"] == (state == "on")
        )
        for state in ("off", "on")
    }
    print(json.dumps({"runs": results, "median_server_cpu_percent": summary}, indent=2))


if __name__ == "__main__":
    main()
