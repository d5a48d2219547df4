"""uvicorn for ``livecommerce serve``, with a drain before it stops.

On SIGTERM uvicorn closes its listening socket, which resets the connections waiting
in its accept queue, then at once closes every kept-alive connection that is not
answering a request at that instant. Either way a request the client has just sent
(still in the socket, not yet read by a busy node) is lost: the client gets no response
and cannot tell whether its purchase happened.

So first the server drains, for up to ``drain_seconds``: it keeps accepting and
serving, answers every request with ``Connection: close`` so that each client's next
request opens a connection the load balancer sends elsewhere, and says not ready on
``/readyz`` (``DRAINING`` in the request's scope). It ends early once no connection is
left. Then uvicorn stops as it always does: requests still in progress get
``graceful_seconds`` to finish before they are cancelled, and only after that does the
app's lifespan shut down (its background work and its database).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

STARTUP_FAILURE = 3  # uvicorn's exit status when the app does not start
DRAINING = "livecommerce.draining"
"""Set in the scope of requests that arrive while the server drains."""
DRAIN_SECONDS = 2.0
"""Long enough for a client with requests in progress to send its next one and hear
``Connection: close``; a load balancer's health check sees the listener gone by then."""
GRACEFUL_SECONDS = 30.0
"""How long requests still being answered after the drain get before they are cancelled."""


def run(config: uvicorn.Config, *, drain_seconds: float = DRAIN_SECONDS) -> int:
    """Serve until stopped; the exit status. With several workers each stops as uvicorn
    does (its supervisor builds the workers' servers), without the drain."""
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    server = DrainingServer(config, drain_seconds=drain_seconds)
    server.run()
    return 0 if server.started else STARTUP_FAILURE


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, drain_seconds: float = DRAIN_SECONDS) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.draining = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.config.loaded_app = _CloseWhileDraining(self.config.loaded_app, self)
        await super().startup(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.draining = True
        await self._drain()
        await super().shutdown(sockets)

    async def _drain(self) -> None:
        deadline = asyncio.get_running_loop().time() + self.drain_seconds
        while self.server_state.connections and not self.force_exit:
            if asyncio.get_running_loop().time() >= deadline:
                return
            await asyncio.sleep(0.05)


class _CloseWhileDraining:
    """Marks requests that start during the drain and adds ``Connection: close`` to
    their responses; before it, requests pass untouched (this is on every one's path)."""

    def __init__(self, app: App, server: DrainingServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if self.server.draining and scope["type"] == "http":
            scope[DRAINING] = True
            send = _closing(send)
        await self.app(scope, receive, send)


def _closing(send: Send) -> Send:
    async def closing_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), (b"connection", b"close")]
            message = {**message, "headers": headers}
        await send(message)

    return closing_send
