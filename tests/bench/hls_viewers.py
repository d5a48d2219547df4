"""Simulated HLS viewers for the cache benchmark: what hls.js does on a live playlist.

Each viewer keeps one HTTP/1.1 keep-alive connection (a browser's), fetches the init
segment once, then polls the live playlist every target duration and fetches each
segment it has not had yet, once, reading every byte. Raw asyncio streams keep a
thousand of them cheap enough for a few worker processes on a small box.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing.synchronize as mps
import random
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any
from urllib.parse import urljoin, urlsplit

from tests.bench.media_procs import self_cpu

CHUNK = 1 << 16


@dataclass
class Tally:
    requests: int = 0
    segments: int = 0
    bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Connection:
    """One keep-alive HTTP/1.1 connection that reads whole bodies (Content-Length only)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, tally: Tally) -> tuple[int, bytes | int]:
        """(status, body) for a playlist; (status, length) for media, whose bytes are read
        and dropped."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: hls-bench\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, headers = _parse_head(head)
        length = int(headers.get("content-length", "0"))
        tally.requests += 1
        cache = headers.get("x-cache-status", "-")
        tally.cache[cache] = tally.cache.get(cache, 0) + 1
        if path.endswith(".m3u8"):
            return status, await self.reader.readexactly(length)
        left = length
        while left:
            left -= len(await self.reader.read(min(CHUNK, left)))
            if self.reader.at_eof() and left:
                raise ConnectionError("body cut short")
        tally.bytes += length
        return status, length

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


def parse_playlist(text: str) -> tuple[float, str | None, list[str]]:
    """(target duration, init URI, segment URIs) of a media playlist."""
    target, init, uris = 2.0, None, []
    for line in text.splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:"):
            init = line.split('URI="', 1)[1].split('"', 1)[0]
        elif line and not line.startswith("#"):
            uris.append(line)
    return target, init, uris


async def viewer(url: str, stop: asyncio.Event, tally: Tally) -> None:
    """One viewer until ``stop``; starts at the live edge, as hls.js does (3 from the end)."""
    parts = urlsplit(url)
    conn = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    seen: set[str] = set()
    fresh = True
    try:
        while not stop.is_set():
            target = await _one_poll(conn, url, parts.path, seen, fresh, tally)
            fresh = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), target)
    finally:
        conn.close()


async def _one_poll(
    conn: Connection, url: str, path: str, seen: set[str], fresh: bool, tally: Tally
) -> float:
    try:
        status, body = await conn.get(path, tally)
        if status != 200 or not isinstance(body, bytes):
            tally.error(f"playlist {status}")
            return 1.0
        target, init, uris = parse_playlist(body.decode())
        if fresh:
            seen.update(uris[:-3])
            if init:
                await conn.get(urlsplit(urljoin(url, init)).path, tally)
        for uri in (u for u in uris if u not in seen):
            seen.add(uri)
            status, _ = await conn.get(urlsplit(urljoin(url, uri)).path, tally)
            if status == 200:
                tally.segments += 1
            else:
                tally.error(f"segment {status}")
        return target
    except (OSError, asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
        tally.error(type(exc).__name__)
        conn.close()
        return 1.0


def run_hls_viewers(
    url: str, count: int, start: mps.Event, stop: mps.Event, out: Queue[tuple[str, Any]]
) -> None:
    """``count`` viewers of ``url`` from ``start`` (joining over about a second)."""
    import uvloop

    uvloop.run(_viewers(url, count, start, stop, out))


async def _viewers(
    url: str, count: int, start: mps.Event, stop: mps.Event, out: Queue[tuple[str, Any]]
) -> None:
    tally, done = Tally(), asyncio.Event()
    out.put(("ready", count))
    while not start.is_set():  # noqa: ASYNC110 - a multiprocessing event has no async wait
        await asyncio.sleep(0.02)
    began, cpu = time.perf_counter(), self_cpu()
    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(viewer(url, done, tally)))
        await asyncio.sleep(random.uniform(0, 2.0 / count))
    while not stop.is_set():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    done.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    out.put(("results", {"requests": tally.requests, "segments": tally.segments,
                         "bytes": tally.bytes, "errors": tally.errors, "cache": tally.cache,
                         "cpu_cores": (self_cpu() - cpu) / elapsed}))  # fmt: skip
