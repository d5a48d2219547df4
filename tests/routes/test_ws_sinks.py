"""Tests for livecommerce.routes._ws_sinks against a real uvicorn server."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pathlib
import struct
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from livecommerce.hub import CLOSE_RESUME
from livecommerce.metrics import SendTally
from livecommerce.routes._ws_sinks import (
    CaptureSend,
    DirectSink,
    QueuedSink,
    _PerFrame,
    open_sink,
    wire_frame,
)
from tests.routes._live import serve
from tests.servers import running

pytestmark = pytest.mark.raw_frames


def test_per_frame_cache_derives_once_per_frame_object() -> None:
    """The same bytes object is derived once; other frames, however many, stay correct."""
    cache = _PerFrame(bytes.decode, size=2)
    frame = '{"type":"chat.posted","data":{"body":"你好"}}'.encode()
    first = cache(frame)
    assert first == frame.decode() and cache(frame) is first
    for n in range(10):  # push the first frame out; ids of dead frames may be reused
        assert cache(f"frame {n}".encode()) == f"frame {n}"
    assert cache(frame) == frame.decode()


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_wire_frame_parses_as_one_final_text_frame(size: int) -> None:
    """Each length encoding (7, 16 and 64 bits) is what RFC 6455 parsers read back."""
    payload = b"x" * size
    reader = StreamReader()
    reader.feed_data(wire_frame(payload))
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as done:
        next(parser)
    frame = done.value.value
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.TEXT, True, payload)


def _sink_app(tally: SendTally, script: list[str]) -> FastAPI:
    """A socket that reports which sink it got and then runs ``script`` on it."""
    app = FastAPI()

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        sink = open_sink(websocket, tally)
        sink.start(lambda: b'{"type":"ping"}')
        sink.offer(json.dumps({"sink": type(sink).__name__}).encode())
        for step in script:
            if step == "big":
                sink.offer(b'"' + b"y" * 70_000 + b'"')
            elif step == "flood":
                # The client does not read: the sink must refuse before memory runs away.
                refused = next(
                    (n for n in range(2000) if not sink.offer(b'"' + b"z" * 65_000 + b'"')),
                    None,
                )
                sink.close(CLOSE_RESUME, f"refused after {refused}")
            elif step == "close":
                sink.close(4403, "banned")
        while not sink.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
        await sink.finish()

    return _wrap(app)


def _wrap(app: FastAPI) -> FastAPI:
    app.add_middleware(CaptureSend)
    return app


@pytest.fixture
def tally() -> SendTally:
    return SendTally()


async def _open(app: FastAPI) -> AsyncIterator[ClientConnection]:
    async with serve(app) as base, connect(f"{base}/ws", max_size=None) as ws:
        yield ws


async def test_uvicorn_sockets_get_the_direct_sink(tally: SendTally) -> None:
    """Under uvicorn frames go straight to the transport, big ones included, and a
    close after them arrives after them with its code."""
    app = _sink_app(tally, ["big", "close"])
    async for ws in _open(app):
        assert json.loads(await ws.recv()) == {"sink": DirectSink.__name__}
        assert await ws.recv() == '"' + "y" * 70_000 + '"'
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4403
    assert tally.frames == 2 and tally.bytes > 70_000


async def test_direct_sink_refuses_a_viewer_who_does_not_read(tally: SendTally) -> None:
    """The bound holds: a stalled reader is refused and closed for resume."""
    app = _sink_app(tally, ["flood"])
    async for ws in _open(app):
        await asyncio.sleep(1.0)  # read nothing while the server floods
        reason = ""
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        assert ws.close_code == CLOSE_RESUME
        reason = ws.close_reason or ""
        refused = int(reason.rsplit(" ", 1)[-1])
        assert 0 < refused < 2000
    assert tally.dropped == 1


async def _handshake(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A bare client: the opening handshake, then nothing (it never answers a ping)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    return reader, writer


async def _close_code(reader: asyncio.StreamReader) -> int:
    """Read server frames up to the close frame; its code."""
    while True:
        first, second = await reader.readexactly(2)
        length = second & 0x7F
        if length >= 126:
            (length,) = struct.unpack("!H" if length == 126 else "!Q", await reader.readexactly(
                2 if length == 126 else 8
            ))  # fmt: skip
        payload = await reader.readexactly(length)
        if first & 0x0F == Opcode.CLOSE.value:
            code: int = struct.unpack("!H", payload[:2])[0]
            return code


async def test_a_viewer_who_never_answers_a_ping_is_closed_for_resume(
    tally: SendTally,
) -> None:
    """The direct sink takes over uvicorn's missed-pong timeout: the client hears 4008
    (resume), not uvicorn's 1011. Fails if uvicorn's keepalive internals move."""
    app = _sink_app(tally, [])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning",
        ws_ping_interval=0.2, ws_ping_timeout=0.3,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
                await asyncio.sleep(0.01)
            reader, writer = await _handshake(server.servers[0].sockets[0].getsockname()[1])
            assert await _close_code(reader) == CLOSE_RESUME
        writer.close()
    finally:
        server.should_exit = True
        await task
    assert tally.direct == 1 and tally.dropped == 1


async def test_other_servers_get_the_queued_sink(tally: SendTally) -> None:
    """A server whose send is no uvicorn protocol gets the portable sink, same frames."""
    app = _sink_app(tally, ["big", "close"])
    inbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "websocket.connect"})
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            await inbox.put({"type": "websocket.disconnect", "code": message["code"]})

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    scope |= {"scheme": "ws", "server": ("test", 80), "root_path": "", "subprotocols": []}
    async with asyncio.timeout(5):
        await app(scope, inbox.get, send)
    texts = [m.get("text") for m in sent if m["type"] == "websocket.send"]
    assert texts == [json.dumps({"sink": QueuedSink.__name__}), '"' + "y" * 70_000 + '"']
    assert sent[-1] == {"type": "websocket.close", "code": 4403, "reason": "banned"}


async def test_the_served_app_writes_room_frames_directly(
    server_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """``livecommerce serve`` (uvicorn, uvloop) gives room sockets the direct sink: a
    refused join's error frame and close code arrive, and /metrics counts the socket."""
    with running(server_env, tmp_path) as node:
        async with connect(node.url.replace("http", "ws") + "/ws/rooms/987654") as ws:
            error = json.loads(await ws.recv())
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        assert error["data"]["code"] == "not_found" and ws.close_code == 4404
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"{node.url}/metrics")).text
    assert "lc_ws_direct_sockets_total 1.0" in metrics.splitlines()
