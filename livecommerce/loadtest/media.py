"""``livecommerce loadtest media``: many WHEP viewers on one room's stream.

Setup goes through the public API (a merchant, a host, a live room) and this process
publishes the test pattern over WHIP, unless ``--room`` names a room already streaming.
Viewers are aiortc peer connections whose receivers are tapped like the relay's, so
they count encoded frames and bytes without decoding: the generator stays cheap and the
figures measure the node. The baseline, measured in the same run, is what the host sent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from livecommerce.loadtest import _buyers
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest._rooms import end_rooms
from livecommerce.loadtest.progress import Progress, note
from livecommerce.loadtest.report import emit, latency_summary, percentile
from livecommerce.media.aiortc_hooks import tap_receiver
from livecommerce.media.client import MediaSession, publish_test_pattern, viewer, whep_watch
from livecommerce.media.testpattern import PatternVideoTrack


@dataclass
class FrameCounter:
    """Counts one receiver's encoded frames; never decodes."""

    frames: int = 0
    size: int = 0
    first: asyncio.Event = field(default_factory=asyncio.Event)

    def on_frame(self, codec: RTCRtpCodecParameters, data: bytes, timestamp: int) -> None:
        self.frames += 1
        self.size += len(data)
        self.first.set()

    def on_end(self) -> None:
        pass


@dataclass
class ViewerResult:
    error: str | None = None
    setup_seconds: float | None = None
    video_fps: float = 0.0
    audio_fps: float = 0.0
    bytes: int = 0


def counting_viewer() -> tuple[MediaSession, dict[str, FrameCounter]]:
    """A WHEP viewer whose receivers count encoded frames per kind instead of decoding."""
    session = viewer()
    counters = {t.kind: FrameCounter() for t in session.pc.getTransceivers()}
    for transceiver in session.pc.getTransceivers():
        tap_receiver(transceiver.receiver, counters[transceiver.kind])
    return session, counters


async def watch_one(url: str, client: httpx.AsyncClient, duration: float) -> ViewerResult:
    """One viewer: join, wait for the first video frame, count frames for ``duration``."""
    session, counters = counting_viewer()
    began = time.perf_counter()
    try:
        await whep_watch(url, client=client, session=session)
        await asyncio.wait_for(counters["video"].first.wait(), timeout=20)
        setup = time.perf_counter() - began
        start = {kind: counter.frames for kind, counter in counters.items()}
        await asyncio.sleep(duration)
        fps = {kind: (c.frames - start[kind]) / duration for kind, c in counters.items()}
        total = sum(c.size for c in counters.values())
        return ViewerResult(None, setup, fps["video"], fps["audio"], total)
    except httpx.HTTPStatusError as exc:
        return ViewerResult(error=f"http {exc.response.status_code}")
    except (TimeoutError, httpx.HTTPError, OSError) as exc:
        return ViewerResult(error=type(exc).__name__)
    finally:
        await _close(session)


async def _close(session: MediaSession) -> None:
    with contextlib.suppress(Exception):  # a viewer that failed half-way may not close cleanly
        await session.close()


async def _setup_room(url: str) -> tuple[int, str]:
    """A live room and its host's token, made through the API."""
    conn = Connection(url)
    tag = f"{int(time.time()) % 10**6}{random.randint(0, 999):03d}"
    merchant = await _buyers.signup(conn, f"lt_mm{tag}", "merchant")
    host = await _buyers.signup(conn, f"lt_mh{tag}", "host")
    room = await expect(conn, "POST", "/api/rooms", {"title": f"Media load {tag}",
                        "host": host[0], "scheduled_at": datetime.now(UTC).isoformat(),
                        "product_ids": []}, token=merchant[1], status=201)  # fmt: skip
    await expect(conn, "POST", f"/api/rooms/{room['id']}/start", token=host[1])
    await conn.close()
    return int(room["id"]), host[1]


async def run_load(
    url: str, *, viewers: int, duration: float, ramp: float, room: int | None = None
) -> dict[str, Any]:
    """Drive ``viewers`` WHEP viewers for ``duration`` seconds and return the report."""
    host: MediaSession | None = None
    token = ""
    if room is None:
        note("setting up a live room and publishing the test pattern")
        room, token = await _setup_room(url)
    whep = f"{url}/api/rooms/{room}/whep"
    try:
        if token:
            # The relay alone, as the baselines were measured: VP8 is not recorded.
            host = await publish_test_pattern(
                f"{url}/api/rooms/{room}/whip", token, video_codec=None
            )
        async with httpx.AsyncClient(timeout=30) as client:
            sent_before = _host_frames(host)
            began = time.perf_counter()
            tasks = []
            joining = Progress("viewers joining", viewers)
            for number in range(1, viewers + 1):
                tasks.append(asyncio.create_task(watch_one(whep, client, duration)))
                joining.update(number)
                await asyncio.sleep(1 / ramp)
            results = await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - began
            host_fps = (_host_frames(host) - sent_before) / elapsed if host else None
    finally:
        if host is not None:
            await host.close()
        await end_rooms(url, token, [room])  # only a room set up here: it has the token
    return _report(results, viewers=viewers, duration=duration, host_fps=host_fps)


def _host_frames(host: MediaSession | None) -> int:
    if host is None:
        return 0
    tracks = [sender.track for sender in host.pc.getSenders()]
    return sum(t.frames_sent for t in tracks if isinstance(t, PatternVideoTrack))


def _report(
    results: list[ViewerResult], *, viewers: int, duration: float, host_fps: float | None
) -> dict[str, Any]:
    ok = [r for r in results if r.error is None]
    errors: dict[str, int] = {}
    for r in results:
        if r.error is not None:
            errors[r.error] = errors.get(r.error, 0) + 1
    video = [r.video_fps for r in ok]
    return {
        "viewers": viewers,
        "watching": len(ok),
        "errors": errors or "none",
        "join_to_first_frame": latency_summary([r.setup_seconds or 0.0 for r in ok]),
        "baseline_host_video_fps": None if host_fps is None else round(host_fps, 1),
        "viewer_video_fps": {
            "min": round(min(video), 1) if video else None,
            "p50": _round(percentile(video, 50)),
            "mean": round(sum(video) / len(video), 1) if video else None,
        },
        "viewer_audio_fps_p50": _round(percentile([r.audio_fps for r in ok], 50)),
        "relayed_mbit_per_s": round(sum(r.bytes for r in ok) * 8 / duration / 1e6, 2),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def run(args: argparse.Namespace) -> int:
    # One line per ICE check and per request would drown the report.
    for name in ("aioice", "aiortc", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    report = asyncio.run(
        run_load(
            args.url.rstrip("/"),
            viewers=args.viewers,
            duration=args.duration,
            ramp=args.ramp,
            room=args.room,
        )
    )
    emit(report, as_json=args.json)
    return 0 if report["watching"] == args.viewers else 1


def add_parser(generators: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = generators.add_parser("media", help="many WHEP viewers on one live stream")
    p.add_argument("--url", required=True, help="base URL of a running node")
    p.add_argument("--viewers", type=int, default=20, help="WHEP viewers")
    p.add_argument("--duration", type=float, default=10.0, help="seconds each viewer counts")
    p.add_argument("--ramp", type=float, default=10.0, help="viewers joining per second")
    p.add_argument("--room", type=int, help="watch this streaming room instead of setting one up")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)
