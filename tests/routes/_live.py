"""A real uvicorn server on a loopback port for WebSocket tests, and a small client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` (whose lifespan already ran) and yield its ws:// base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Viewer:
    """A room socket that remembers every event it read."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    async def send(self, type: str, data: dict[str, Any] | None = None, **extra: Any) -> None:
        await self.socket.send(json.dumps({"type": type, "data": data or {}, **extra}))

    async def next(self, type: str) -> dict[str, Any]:
        """The next event of ``type`` (waits up to 5 s)."""
        async with asyncio.timeout(5):
            while True:
                for event in self._unread(type):
                    return event
                frame = json.loads(await self.socket.recv())
                for event in frame if isinstance(frame, list) else [frame]:
                    self.seen.append({**event, "_read": False})

    def _unread(self, type: str) -> list[dict[str, Any]]:
        for event in self.seen:
            if not event["_read"] and event["type"] == type:
                event["_read"] = True
                return [{k: v for k, v in event.items() if k != "_read"}]
        return []

    async def closed_with(self) -> int | None:
        """Read until the server closes; return its close code."""
        async with asyncio.timeout(5):
            try:
                while True:
                    await self.socket.recv()
            except Exception:
                pass
        return self.socket.close_code


@asynccontextmanager
async def viewer(base: str, room_id: int, query: str = "", **kwargs: Any) -> AsyncIterator[Viewer]:
    async with connect(f"{base}/ws/rooms/{room_id}{query}", **kwargs) as socket:
        yield Viewer(socket)
