"""Child processes of the media benchmark: the 720p publisher and the viewer workers.

Each runs in a process of its own (``spawn``) so the publisher's encoding and the
viewers' receive work are never counted as server CPU. They talk to the orchestrator
through ``multiprocessing`` events and a queue only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing.synchronize as mps
import os
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from typing import Any

import av
import httpx
from aiortc.mediastreams import VIDEO_CLOCK_RATE, VIDEO_PTIME

from livecommerce.loadtest.media import FrameCounter, counting_viewer
from livecommerce.media.client import MediaSession, whep_watch, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack

JOIN_TIMEOUT = 20.0


def quiet() -> None:
    # One line per ICE check and per request would drown the report.
    for name in ("aioice", "aiortc", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def self_cpu() -> float:
    """CPU seconds (user + system, all threads) of this process so far."""
    times = os.times()
    return float(times.user + times.system)


# --- publisher -----------------------------------------------------------------------
_FRAME_TICKS = int(VIDEO_PTIME * VIDEO_CLOCK_RATE)


class PacedPatternTrack(PatternVideoTrack):
    """The test pattern at a steady 30 fps, dropping frames when the box starves it.

    aiortc's ``VideoStreamTrack`` catches up after a stall by producing frames as
    fast as it can (we saw 56 fps on a loaded box), which would inflate the relay's
    load; a camera drops the frames it missed instead.
    """

    async def recv(self) -> av.VideoFrame:
        start: float | None = getattr(self, "_start", None)
        if start is not None:
            behind = time.time() - (start + self._timestamp / VIDEO_CLOCK_RATE)
            if behind > VIDEO_PTIME:
                self._timestamp += int(behind / VIDEO_PTIME) * _FRAME_TICKS
        return await super().recv()


def run_publisher(
    whip_url: str, token: str, size: tuple[int, int], frames: Synchronized[int], stop: mps.Event
) -> None:
    """Publish the test pattern until ``stop``; ``frames`` mirrors the frames sent."""
    quiet()
    asyncio.run(_publish(whip_url, token, size, frames, stop))


async def _publish(
    whip_url: str, token: str, size: tuple[int, int], frames: Synchronized[int], stop: mps.Event
) -> None:
    video = PacedPatternTrack(*size)
    async with httpx.AsyncClient(timeout=30) as client:
        session = await whip_publish(whip_url, token, [video, ToneAudioTrack()], client=client)
        try:
            while not stop.is_set():
                await asyncio.sleep(0.1)
                frames.value = video.frames_sent
        finally:
            await session.close()


# --- viewers -------------------------------------------------------------------------
@dataclass
class Joined:
    session: MediaSession
    video: FrameCounter
    join_seconds: float

    async def packets(self) -> tuple[int, int]:
        """(received, lost) RTP packets of the video, from aiortc's receiver stats."""
        video = next(t for t in self.session.pc.getTransceivers() if t.kind == "video")
        report = await video.receiver.getStats()
        inbound = [s for s in report.values() if s.type == "inbound-rtp"]
        return sum(s.packetsReceived for s in inbound), sum(s.packetsLost for s in inbound)


async def join_one(url: str, client: httpx.AsyncClient) -> Joined | str:
    """A viewer joined and holding its first video frame, or why it could not."""
    session, counters = counting_viewer()
    began = time.perf_counter()
    try:
        await whep_watch(url, client=client, session=session)
        await asyncio.wait_for(counters["video"].first.wait(), timeout=JOIN_TIMEOUT)
    except httpx.HTTPStatusError as exc:
        await _close(session)
        return f"http {exc.response.status_code}"
    except (TimeoutError, httpx.HTTPError, OSError) as exc:
        await _close(session)
        return type(exc).__name__
    return Joined(session, counters["video"], time.perf_counter() - began)


async def _close(session: MediaSession) -> None:
    with contextlib.suppress(Exception):  # a viewer that failed half-way may not close cleanly
        await session.close()


def run_viewers(
    whep_url: str,
    count: int,
    ramp: float,
    start: mps.Event,
    stop: mps.Event,
    out: Queue[tuple[str, Any]],
) -> None:
    """Join ``count`` viewers, report, count frames between ``start`` and ``stop``."""
    quiet()
    asyncio.run(_viewers(whep_url, count, ramp, start, stop, out))


async def _viewers(
    whep_url: str,
    count: int,
    ramp: float,
    start: mps.Event,
    stop: mps.Event,
    out: Queue[tuple[str, Any]],
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        tasks = []
        for _ in range(count):
            tasks.append(asyncio.create_task(join_one(whep_url, client)))
            await asyncio.sleep(1 / ramp)
        results = await asyncio.gather(*tasks)
        joined = [r for r in results if isinstance(r, Joined)]
        errors = [r for r in results if isinstance(r, str)]
        out.put(("joined", len(joined)))
        await _wait(start)
        # Every viewer is read at the same instant, so the window is the same for all.
        frames_before = [j.video.frames for j in joined]
        began, cpu_before = time.perf_counter(), self_cpu()
        packets_before = await _packets(joined)
        await _wait(stop)
        elapsed, cpu = time.perf_counter() - began, self_cpu() - cpu_before
        packets = [a - b for a, b in zip(await _packets(joined), packets_before, strict=True)]
        fps = [(j.video.frames - f) / elapsed for j, f in zip(joined, frames_before, strict=True)]
        out.put(("results", {
            "join_seconds": [j.join_seconds for j in joined],
            "fps": fps,
            "errors": errors,
            "cpu_cores": cpu / elapsed,
            "video_packets": packets,
        }))  # fmt: skip
        await asyncio.gather(*(_close(j.session) for j in joined))


async def _packets(joined: list[Joined]) -> tuple[int, int]:
    counts = await asyncio.gather(*(j.packets() for j in joined))
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


async def _wait(event: mps.Event) -> None:
    while not event.is_set():  # noqa: ASYNC110 - a multiprocessing event has no async wait
        await asyncio.sleep(0.02)
