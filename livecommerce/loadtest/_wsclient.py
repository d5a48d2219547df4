"""A cheap WebSocket viewer for load generation.

A viewer here is an ``asyncio.Protocol`` that parses frame headers and counts event
markers in the payload bytes; it decodes JSON only when sampled for latency. A full
client library per viewer would make the generator, not the server, the bottleneck.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

CHAT_MARKER = b'"chat.posted"'


@dataclass
class Tally:
    """What all viewers of one process saw."""

    frames: int = 0
    bytes: int = 0
    chats: int = 0
    latencies: list[float] = field(default_factory=list)
    # Send to the event's server timestamp: the part of latencies spent before fan-out.
    to_server: list[float] = field(default_factory=list)
    # The event's server timestamp to receipt: publish to receipt, fan-out alone.
    from_server: list[float] = field(default_factory=list)
    closes: dict[str, int] = field(default_factory=dict)
    beacons: int = 0
    """Funnel beacons sent (``--beacon-share``), each an impression and a click."""

    def closed(self, reason: str) -> None:
        self.closes[reason] = self.closes.get(reason, 0) + 1


def _frame(opcode: int, payload: bytes) -> bytes:
    # Client frames must be masked; a zero mask leaves the payload as it is.
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    else:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    return header + b"\0\0\0\0" + payload


def _chat_latencies(payload: bytes, now: float) -> list[tuple[float, float | None]]:
    """(send to receipt, send to the server's event time) of each load-test chat."""
    events = json.loads(payload)
    found: list[tuple[float, float | None]] = []
    for event in events if isinstance(events, list) else [events]:
        if event.get("type") == "chat.posted":
            body = str(event.get("data", {}).get("body", ""))
            if body.startswith("lt "):
                sent = float(body.split()[1])
                at = _epoch(event.get("at"))
                found.append((now - sent, None if at is None else at - sent))
    return found


def _epoch(at: object) -> float | None:
    """The envelope's ``at``: ISO 8601 from the real server, epoch seconds from bare."""
    if isinstance(at, int | float):
        return float(at)
    if isinstance(at, str):
        return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    return None


class Viewer(asyncio.Protocol):
    def __init__(self, tally: Tally, *, sampled: bool, on_open: Callable[[], None]) -> None:
        self.tally = tally
        self.sampled = sampled
        self.on_open = on_open
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.joined = False
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports are not asyncio.Transport subclasses.
        self.transport = cast(asyncio.Transport, transport)

    def send_text(self, text: str) -> bool:
        """Whether it was written (false once the socket is closing)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(0x1, text.encode()))
            return True
        return False

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self._finish("refused:" + self.buffer[:12].decode(errors="replace"))
                return
            del self.buffer[: end + 4]
            self.upgraded = True
        self._frames()

    def _frames(self) -> None:
        buf = self.buffer
        while len(buf) >= 2:
            opcode, length, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, start = struct.unpack_from("!H", buf, 2)[0], 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, start = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < start + length:
                return
            payload = bytes(buf[start : start + length])
            del buf[: start + length]
            self._handle(opcode, payload)

    def _handle(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x9 and self.transport is not None:  # ping: answer or be dropped
            self.transport.write(_frame(0xA, payload))
        elif opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._finish(f"close:{code}")
        elif opcode in (0x1, 0x2, 0x0):
            if not self.joined:
                # Joined means the first frame (snapshot or replay) arrived, not just the
                # handshake: until then the server still holds this viewer's events.
                self.joined = True
                self.on_open()
            self.tally.frames += 1
            self.tally.bytes += len(payload)
            self.tally.chats += payload.count(CHAT_MARKER)
            if self.sampled and CHAT_MARKER in payload:
                for total, to_server in _chat_latencies(payload, time.time()):
                    self.tally.latencies.append(total)
                    if to_server is not None:
                        self.tally.to_server.append(to_server)
                        self.tally.from_server.append(total - to_server)

    def _finish(self, reason: str) -> None:
        if not self.closed.done():
            self.closed.set_result(reason)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result("lost" if exc is None else f"lost:{type(exc).__name__}")


async def open_viewer(
    host: str,
    port: int,
    path: str,
    tally: Tally,
    *,
    sampled: bool = False,
    open_within: float = 30.0,
) -> Viewer:
    loop = asyncio.get_running_loop()
    opened = loop.create_future()
    _, viewer = await loop.create_connection(
        lambda: Viewer(tally, sampled=sampled, on_open=lambda: opened.set_result(None)),
        host,
        port,
    )
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    assert viewer.transport is not None
    viewer.transport.write(request.encode())
    done, _ = await asyncio.wait(
        [opened, viewer.closed], timeout=open_within, return_when=asyncio.FIRST_COMPLETED
    )
    if opened not in done:
        viewer._finish("timeout")
        raise ConnectionError(
            f"viewer did not open: {viewer.closed.result() if viewer.closed.done() else 'timeout'}"
        )
    return viewer
