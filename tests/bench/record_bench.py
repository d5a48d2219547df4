"""Recording benchmark (issue 20): the media node's CPU with recording on vs off.

Not a test. One H.264 publisher (1280x720 / 30 fps, a process of its own, looping a
test-pattern clip encoded once beforehand: ``h264_clip``) publishes to a real
``livecommerce serve`` (embedded shape, a copy of a migrated SQLite file, a temporary
media directory); the server's CPU (all threads, from /proc) is read over a fixed window after
the first segment is stored (or after a warm-up when recording is off)::

    PYTHONPATH=$PWD /work/main/.venv/bin/python -m tests.bench.record_bench --seconds 30 --runs 3

With ``--audio`` each state also runs with a publisher that sends no audio, so the cost
of the Opus-to-AAC transcode is (on - off with audio) - (on - off without). It is also
measured alone, in this process, over the Opus packets of a tone (``transcode_alone``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import functools
import io
import json
import math
import multiprocessing
import shutil
import statistics
import tempfile
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import av
import httpx

from livecommerce.loadtest.media import _setup_room
from livecommerce.media import aac
from livecommerce.media.client import whip_publish
from livecommerce.media.testpattern import ToneAudioTrack
from livecommerce.storage.migrate import upgrade
from tests.bench.h264_clip import ClipTrack, encode_clip
from tests.bench.media_bench import _stop, process_cpu
from tests.bench.media_procs import quiet
from tests.servers import start_server

CTX = multiprocessing.get_context("spawn")
CLIP_SECONDS = 6
MIN_FPS = 25.0
CLIP_BITRATE = 2_000_000  # between aiortc's start (1 Mb/s) and its cap (3 Mb/s)


def run_h264_publisher(
    whip_url: str,
    token: str,
    size: tuple[int, int],
    audio: bool,
    frames: Synchronized[int],
    stop: Event,
) -> None:
    quiet()
    asyncio.run(_publish(whip_url, token, size, audio, frames, stop))


async def _publish(
    whip_url: str,
    token: str,
    size: tuple[int, int],
    audio: bool,
    frames: Synchronized[int],
    stop: Event,
) -> None:
    video = ClipTrack(encode_clip(size, CLIP_SECONDS, CLIP_BITRATE))
    tracks = [video, ToneAudioTrack()] if audio else [video]
    async with httpx.AsyncClient(timeout=30) as client:
        session = await whip_publish(
            whip_url, token, tracks, client=client, video_codec="video/H264"
        )
        try:
            while not stop.is_set():
                await asyncio.sleep(0.1)
                frames.value = video.frames_sent
        finally:
            await session.close()


@functools.cache
def migrated_template() -> Path:
    """A migrated SQLite file, copied per run: on a busy box migrating at every start
    outlasts the server's readiness wait."""
    path = Path(tempfile.mkdtemp(prefix="bench-template-")) / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def fresh_database(directory: str) -> str:
    shutil.copyfile(migrated_template(), Path(directory, "bench.db"))
    return f"sqlite+aiosqlite:///{directory}/bench.db"


def one_run(
    recording: bool, size: tuple[int, int], seconds: float, audio: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "LIVECOMMERCE_DATABASE_URL": fresh_database(tmp),
            "LIVECOMMERCE_DATA_DIR": tmp,
            "LIVECOMMERCE_MEDIA_RECORDING": str(recording).lower(),
            "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "8",
        }
        server = start_server(env, Path(tmp), timeout=300)
        frames, stop = CTX.Value("i", 0), CTX.Event()
        publisher = None
        try:
            room_id, token = asyncio.run(_setup_room(server.url))
            whip = f"{server.url}/api/rooms/{room_id}/whip"
            publisher = CTX.Process(
                target=run_h264_publisher, args=(whip, token, size, audio, frames, stop)
            )
            publisher.start()
            _warm_up(server.url, room_id, recording)
            cpu0, frames0, t0 = process_cpu(server.process.pid), frames.value, time.monotonic()
            time.sleep(seconds)
            cpu1, frames1, t1 = process_cpu(server.process.pid), frames.value, time.monotonic()
            segments = sum(1 for _ in Path(tmp, "media").rglob("seg_*.m4s"))
        finally:
            stop.set()
            if publisher is not None:
                _stop(publisher, 30)
            server.stop()
    return {
        "recording": recording,
        "audio": audio,
        "server_cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
        "publisher_fps": round((frames1 - frames0) / (t1 - t0), 1),
        "segments": segments,
    }


def _warm_up(url: str, room_id: int, recording: bool) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if not recording:
            time.sleep(5)
            return
        with contextlib.suppress(httpx.HTTPError):  # a starved node may answer late
            if httpx.get(f"{url}/media/hls/{room_id}/live.m3u8", timeout=10).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError("no segment within 180 s")


def transcode_alone(seconds: int = 60) -> dict[str, float]:
    """CPU of ``OpusToAac`` (stereo) over ``seconds`` of a tone, as % of one core."""
    encoder: Any = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = aac.RATE, "stereo", "s16"
    packets: list[bytes] = []
    for index in range(seconds * 50):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        level = round(3000 * math.sin(index / 5))
        frame.planes[0].update(level.to_bytes(2, "little", signed=True) * 1920)
        frame.sample_rate, frame.pts = aac.RATE, index * 960
        frame.time_base = fractions.Fraction(1, aac.RATE)
        packets += [bytes(p) for p in encoder.encode(frame)]
    container = av.open(io.BytesIO(), "w", format="mp4")
    stream = aac.add_aac_stream(container, 2)
    container.start_encoding()
    transcoder = aac.OpusToAac(stream, start=aac.PRIMING)
    began = time.process_time()
    for index, data in enumerate(packets):
        transcoder.feed(data, index * 960)
    transcoder.flush()
    spent = time.process_time() - began
    return {"audio_seconds": seconds, "cpu_percent_of_one_core": round(100 * spent / seconds, 2)}


def attempt(recording: bool, size: tuple[int, int], seconds: float, audio: bool) -> dict[str, Any]:
    """One run, tried again once if the node or the publisher broke (a starved box)."""
    for tries in range(2):
        try:
            report = one_run(recording, size, seconds, audio)
        except Exception as exc:  # a broken run is reported, and tried once more
            report = {"recording": recording, "audio": audio, "failed": repr(exc)[:300]}
        print(json.dumps(report), flush=True)
        if "failed" not in report or tries:
            return report
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--audio", action="store_true", help="also run video-only publishers")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    audios = (True, False) if args.audio else (True,)
    encode_clip((width, height), CLIP_SECONDS, CLIP_BITRATE)
    # Off and on alternate, so drift in the box's load falls on both alike.
    results = [attempt(on, (width, height), args.seconds, audio) for _ in range(args.runs)
               for audio in audios for on in (False, True)]  # fmt: skip
    # A run whose publisher could not keep 30 fps measured a lighter show than 720p30.
    good = [r for r in results if "failed" not in r and r["publisher_fps"] >= MIN_FPS]
    summary = {
        f"{state}{'' if audio else '_video_only'}": statistics.median(
            r["server_cpu_percent"]
            for r in good
            if r["recording"] == (state == "on") and r["audio"] == audio
        )
        for audio in audios
        for state in ("off", "on")
    }
    report: dict[str, Any] = {"runs": results, "median_server_cpu_percent": summary}
    report["recording_cost_cores"] = round((summary["on"] - summary["off"]) / 100, 3)
    if args.audio:
        report["audio_transcode_cpu_percent"] = round(
            summary["on"] - summary["off"] - summary["on_video_only"] + summary["off_video_only"],
            2,
        )
    report["transcode_alone"] = transcode_alone()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
