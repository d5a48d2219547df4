"""Where a room socket's frames go: straight onto the transport, or through a writer task.

The hub offers one bytes object to every socket of a room. Under uvicorn's sans-I/O
WebSocket protocol (its default since 0.35) a :class:`DirectSink` writes that frame to
the socket's transport at once, the way ``websockets.broadcast()`` does: the WebSocket
header is built once per frame, not once per socket, and no coroutine or task runs per
socket per frame. At 10,000 viewers the writer-task design spent most of its time waking
10,000 tasks for every frame.

Anywhere else (Starlette's TestClient, another ASGI server) the :class:`QueuedSink`
keeps the portable design: a bounded :class:`Outbox` drained by one writer task that
awaits ``websocket.send_text``.

Both are bounded: the direct sink by the bytes waiting in the transport's buffer, the
queued one by its outbox. A full sink refuses the frame and the hub closes it with 4008
(resume), so the room never waits for its slowest viewer.

A viewer that never reads may never fill the buffer: in a quiet room the kernel's
socket buffers absorb every frame, and what ends the socket is uvicorn's keepalive (a
ping without a pong). The direct sink takes that over, so the client still hears 4008.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from livecommerce.hub import CLOSE_RESUME, Outbox
from livecommerce.metrics import SendTally

PING_SECONDS = 25.0
# Bytes a direct sink lets wait in userland (on top of the kernel's socket buffer)
# before the viewer counts as too slow; the same bound as the outbox's.
MAX_BUFFERED = 1 << 20
# The transport stays writable for uvicorn's own sends (the close frame) up to here:
# asyncio's default of 64 KiB would make the close after an overflow wait for a reader
# that may never read.
HIGH_WATER = 4 * MAX_BUFFERED
# After a resume close, a socket whose buffer has not drained is cut: a client that
# does not read must not hold the node's memory (or its socket) for ever.
ABORT_SECONDS = 15.0
RESUME_REASON = "too slow, resume with ?since="
SEND_KEY = "livecommerce.asgi_send"


class CaptureSend:
    """Outermost ASGI middleware: keep the server's own ``send`` for WebSocket scopes.

    Starlette wraps ``send`` on the way to a route; the server's original callable is
    the one bound to its protocol object, which is how a :class:`DirectSink` finds the
    transport.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SEND_KEY] = send
        await self.app(scope, receive, send)


class _PerFrame:
    """A value derived from a frame, computed once for every socket of a room.

    Entries keep their frame alive, so an ``id()`` is never reused while it is cached.
    """

    def __init__(self, derive: Callable[[bytes], Any], size: int = 64) -> None:
        self._derive = derive
        self._entries: OrderedDict[int, tuple[bytes, Any]] = OrderedDict()
        self._size = size

    def __call__(self, frame: bytes) -> Any:
        entry = self._entries.get(id(frame))
        if entry is not None and entry[0] is frame:
            return entry[1]
        value = self._derive(frame)
        self._entries[id(frame)] = (frame, value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


def wire_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame (server to client; RFC 6455 section 5.2)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


as_text = _PerFrame(bytes.decode)
as_wire = _PerFrame(wire_frame)


# What DirectSink relies on in uvicorn's WebSocketsSansIOProtocol (private, hence the pin
# in pyproject.toml); a server without all of it gets the portable sink, and
# tests/routes/test_ws_sinks.py fails: it expects the direct sink under uvicorn.
_PROTOCOL_NEEDS = (
    "conn",
    "close_sent",
    "handshake_complete",
    "transport",
    "keepalive_timeout",
    "pong_timer",
    "pending_ping_payload",
)
_TRANSPORT_NEEDS = (
    "write",
    "is_closing",
    "get_write_buffer_size",
    "set_write_buffer_limits",
    "abort",
)


def _server_protocol(websocket: WebSocket) -> Any | None:
    """uvicorn's sans-I/O protocol object behind this socket, if that is what serves it."""
    protocol = getattr(websocket.scope.get(SEND_KEY), "__self__", None)
    if protocol is None or not all(hasattr(protocol, name) for name in _PROTOCOL_NEEDS):
        return None
    # Duck-typed: uvloop's transports are not asyncio.Transport subclasses.
    if not all(hasattr(protocol.transport, name) for name in _TRANSPORT_NEEDS):
        return None
    return protocol


def open_sink(websocket: WebSocket, tally: SendTally) -> DirectSink | QueuedSink:
    protocol = _server_protocol(websocket)
    if protocol is not None and protocol.handshake_complete:
        tally.direct += 1
        return DirectSink(websocket, protocol, tally)
    return QueuedSink(websocket, tally)


class QueuedSink:
    """The portable sink: a bounded outbox and a writer task awaiting ``send_text``."""

    def __init__(self, websocket: WebSocket, tally: SendTally) -> None:
        self.websocket = websocket
        self.outbox = Outbox()
        self._tally = tally
        self._writer: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self.outbox.closed

    def offer(self, frame: bytes) -> bool:
        return self.outbox.offer(frame)

    def close(self, code: int, reason: str) -> None:
        self.outbox.close(code, reason)

    def start(self, ping: Callable[[], bytes]) -> None:
        self._writer = asyncio.create_task(self._write(ping), name="ws-writer")

    async def finish(self) -> None:
        self.outbox.close(1000, "bye")
        if self._writer is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._writer, timeout=1.0)
            self._writer.cancel()

    async def _write(self, ping: Callable[[], bytes]) -> None:
        while True:
            try:
                frame = await asyncio.wait_for(self.outbox.next_frame(), PING_SECONDS)
            except TimeoutError:
                frame = ping()  # idle sockets get a ping so proxies and phones keep them
            if frame is None:
                break
            try:
                await self.websocket.send_text(as_text(frame))
            except (WebSocketDisconnect, RuntimeError, OSError):
                return
            self._tally.sent(len(frame))
        if self.outbox.close_code == CLOSE_RESUME:
            self._tally.dropped += 1
        # The client may be gone already: closing a dead socket is not an error.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.websocket.close(self.outbox.close_code or 1000, self.outbox.close_reason)


class DirectSink:
    """Frames written synchronously to uvicorn's transport; no task per socket.

    Only data frames are written here. The closing handshake goes through the ASGI
    ``websocket.close`` message, so uvicorn's protocol state stays the authority on
    whether the socket is open.
    """

    def __init__(self, websocket: WebSocket, protocol: Any, tally: SendTally) -> None:
        self.websocket = websocket
        self._protocol = protocol
        self._transport: asyncio.Transport = protocol.transport
        self._tally = tally
        self._writes = 0
        self._writes_seen = 0
        self._ping_timer: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self._transport.set_write_buffer_limits(high=HIGH_WATER)
        self._take_over_keepalive()

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    def offer(self, frame: bytes) -> bool:
        if self.close_code is not None or self._gone():
            return False
        transport = self._transport
        if transport.get_write_buffer_size() > MAX_BUFFERED:
            return False
        transport.write(as_wire(frame))
        self._writes += 1
        self._tally.sent(len(frame))
        return True

    def close(self, code: int, reason: str) -> None:
        """Close after the frames written so far (they are in the transport already)."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        self._stop_pings()
        if self._gone():
            return  # the client left: nothing to close, and nobody was dropped
        if code == CLOSE_RESUME:
            self._tally.dropped += 1
        self._closing = asyncio.create_task(self._close(code, reason), name="ws-close")

    def start(self, ping: Callable[[], bytes]) -> None:
        self._arm(ping)

    async def finish(self) -> None:
        self._stop_pings()
        if self._closing is None and not self._gone():
            self.close(1000, "bye")
        if self._closing is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._closing), timeout=1.0)

    def _gone(self) -> bool:
        return bool(self._protocol.close_sent) or self._transport.is_closing()

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.websocket.close(code, reason)
        if code == CLOSE_RESUME:
            asyncio.get_running_loop().call_later(ABORT_SECONDS, self._abort_if_stuck)

    def _abort_if_stuck(self) -> None:
        if self._transport.get_write_buffer_size():
            self._transport.abort()

    def _take_over_keepalive(self) -> None:
        """A missed pong means the client is not reading what we send: it has fallen
        behind, so it is closed with 4008 (resume), not uvicorn's 1011.

        uvicorn schedules ``protocol.keepalive_timeout`` by attribute lookup when it
        sends a ping, so an instance attribute replaces it for this socket only.
        """
        protocol = self._protocol
        fail = protocol.keepalive_timeout

        def missed_pong() -> None:
            if self.close_code is not None or self._gone():
                fail()  # already closing: let uvicorn end the connection
                return
            protocol.pong_timer = None
            protocol.pending_ping_payload = None
            self.close(CLOSE_RESUME, RESUME_REASON)

        protocol.keepalive_timeout = missed_pong

    # Pings: one timer per socket, re-armed, instead of a task waiting with a timeout.
    def _arm(self, ping: Callable[[], bytes]) -> None:
        loop = asyncio.get_running_loop()
        self._ping_timer = loop.call_later(PING_SECONDS, self._ping_if_idle, ping)

    def _ping_if_idle(self, ping: Callable[[], bytes]) -> None:
        if self.close_code is not None:
            return
        if self._writes == self._writes_seen:  # nothing sent for a whole period
            self.offer(ping())
        self._writes_seen = self._writes
        self._arm(ping)

    def _stop_pings(self) -> None:
        if self._ping_timer is not None:
            self._ping_timer.cancel()
            self._ping_timer = None
