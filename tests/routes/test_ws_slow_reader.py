"""A client that never reads is told 4008 (resume), whatever ends its socket.

The client is a raw TCP socket that does the WebSocket handshake by hand, with a tiny
receive buffer, and then reads nothing until the test drains it; the server is a real
uvicorn with a short keepalive, so a missed pong comes within a second.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, WebSocket
from websockets.frames import Close, Frame, Opcode
from websockets.streams import StreamReader

from livecommerce.hub import CLOSE_RESUME
from livecommerce.metrics import SendTally
from livecommerce.routes import _ws_sinks
from livecommerce.routes._ws_sinks import CaptureSend, open_sink
from tests.users import product, room, signup

# These tests write filler bytes, not catalogued events, to test the sinks.
pytestmark = pytest.mark.raw_frames

PING = 0.3  # uvicorn's ping interval and pong timeout here (20 s each by default)


@asynccontextmanager
async def pinging_server(app: FastAPI) -> AsyncIterator[uvicorn.Server]:
    """``app`` (its lifespan run already) on a loopback port with a fast keepalive."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        ws_ping_interval=PING,
        ws_ping_timeout=PING,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
                await asyncio.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        await task


def port_of(server: uvicorn.Server) -> int:
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return port


async def handshake(port: int, path: str) -> socket.socket:
    """Open a WebSocket by hand, reading no further than the 101's headers."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # absorb as little as we can
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    received = b""
    while b"\r\n\r\n" not in received:
        received += await loop.sock_recv(sock, 1)
    assert received.startswith(b"HTTP/1.1 101"), received
    return sock


class Frames:
    """Server-to-client frames parsed as bytes arrive."""

    def __init__(self) -> None:
        self._reader = StreamReader()
        self._parser = self._parse()
        self.frames: list[Frame] = []

    def _parse(self) -> Generator[None, None, Frame]:
        return Frame.parse(self._reader.read_exact, mask=False, max_size=None)

    def feed(self, data: bytes) -> None:
        self._reader.feed_data(data)
        while True:
            try:
                next(self._parser)
            except StopIteration as done:
                self.frames.append(done.value)
                self._parser = self._parse()
            else:
                return  # the next frame needs more bytes

    def close_code(self) -> int | None:
        closes = [f for f in self.frames if f.opcode == Opcode.CLOSE]
        return Close.parse(closes[0].data).code if closes else None


async def drain(sock: socket.socket) -> Frames:
    """What the server sent, up to its close frame or the end of the connection."""
    loop = asyncio.get_running_loop()
    frames = Frames()
    async with asyncio.timeout(10):
        while frames.close_code() is None:
            try:
                chunk = await loop.sock_recv(sock, 1 << 16)
            except ConnectionResetError:
                break
            if not chunk:
                break
            frames.feed(chunk)
    return frames


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_a_room_viewer_who_never_reads_is_closed_with_4008(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """In a quiet room the kernel buffers absorb every frame, so only the keepalive
    notices the viewer does not read: it still ends with 4008, not uvicorn's 1011."""
    shop, host = await signup(client, "shop", "merchant"), await signup(client, "anna", "host")
    room_id = (await room(client, shop, host, [(await product(client, shop))["id"]]))["id"]
    async with pinging_server(app) as server:
        with await handshake(port_of(server), f"/ws/rooms/{room_id}") as sock:
            await asyncio.sleep(6 * PING)  # a ping and its whole pong timeout, unread
            got = await drain(sock)
    assert b"room.snapshot" in got.frames[0].data
    assert got.close_code() == CLOSE_RESUME


def flood_app(tally: SendTally) -> FastAPI:
    """A socket whose sink is offered 65 KB frames until it refuses one, then closed
    for resume, as the hub does with a viewer past its bound."""
    app = FastAPI()

    @app.websocket("/ws")
    async def socket_(websocket: WebSocket) -> None:
        await websocket.accept()
        sink = open_sink(websocket, tally)
        sink.start(lambda: b'{"type":"ping"}')
        frame = b'"' + b"z" * 65_000 + b'"'
        while sink.offer(frame):
            pass
        sink.close(CLOSE_RESUME, "too slow")
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
        await sink.finish()

    app.add_middleware(CaptureSend)
    return app


async def test_an_overflow_close_is_sent_before_the_keepalive_gives_up() -> None:
    """A reader past the bound gets its 4008 close frame written at once, behind its
    unread frames, instead of a close waiting for the socket to drain until the
    keepalive fails it with 1011."""
    tally = SendTally()
    async with pinging_server(flood_app(tally)) as server:
        with await handshake(port_of(server), "/ws") as sock:
            await asyncio.sleep(6 * PING)
            got = await drain(sock)
    assert sum(len(f.data) for f in got.frames) > _ws_sinks.MAX_BUFFERED
    assert got.close_code() == CLOSE_RESUME
    assert tally.dropped == 1


async def test_a_reader_that_never_drains_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a resume close the node does not keep a never-reading client's buffer:
    the connection is aborted once the grace is over."""
    monkeypatch.setattr(_ws_sinks, "ABORT_SECONDS", 0.5, raising=False)
    async with pinging_server(flood_app(SendTally())) as server:
        with await handshake(port_of(server), "/ws"):
            async with asyncio.timeout(5):
                while not server.server_state.connections:  # noqa: ASYNC110 - a plain set
                    await asyncio.sleep(0.05)
                while server.server_state.connections:  # noqa: ASYNC110 - a plain set
                    await asyncio.sleep(0.05)
