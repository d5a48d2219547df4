"""One room WebSocket: who may open it (origin, per-client quota), a sink taking the
hub's frames, a reader running commands.

The reader never waits on sends: the hub and the replies only offer frames to the
bounded sink (``_ws_sinks``), which writes them or refuses them. Anything a client
sends that is wrong gets an ``error`` event on *its* socket; abuse closes *its* socket;
nothing here can raise into the hub or another viewer's connection.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket

from livecommerce.errors import DomainError, Muted, RateLimited
from livecommerce.hub import CLOSE_RESUME
from livecommerce.hub.event import dumps
from livecommerce.resources import Resources
from livecommerce.routes._ws_sinks import open_sink
from livecommerce.routes.errors import ws_close_code

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
# Messages per second a client may send (burst up to twice that), and how many refused
# messages in a row count as abuse.
MESSAGE_RATE, FLOOD_STRIKES = 10.0, 30
CLOSE_TOO_BIG = 1009
CLOSE_FLOOD = 4429

Command = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any] | None]]


def reply(type: str, data: Mapping[str, Any]) -> bytes:
    """An event for this socket only: not a room event, so its seq is null."""
    return dumps({"type": type, "room": None, "seq": None, "at": None, "data": dict(data)})


def _ping() -> bytes:
    return reply("ping", {"server_time": int(time.time() * 1000)})


def error_frame(code: str, message: str, **extra: Any) -> bytes:
    return reply("error", {"code": code, "message": message, **extra})


def origin_allowed(websocket: WebSocket, resources: Resources) -> bool:
    """Browsers send Origin; only our own pages may open a socket with their cookies.
    Clients without Origin (scripts, load tests) authenticate with ?token= instead.

    The whole origin counts (scheme, host, port): an http:// page on our host is another
    origin than our https:// one, and may be someone else's.
    """
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    scheme = "https" if websocket.url.scheme in ("wss", "https") else "http"
    own = {
        origin_of(f"{scheme}://{websocket.headers.get('host', '')}"),
        origin_of(resources.settings.node_public_url()),
    }
    return origin_of(origin) in own - {None}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, default port filled in; None if it
    is no such URL (``null``, ``file://``, garbage)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, parts.hostname.lower(), port


_DEFAULT_PORTS = {"http": 80, "https": 443}


class Bucket:
    """Token bucket: ``rate`` per second, bursts up to ``2 * rate``."""

    def __init__(self, rate: float) -> None:
        self._rate, self._tokens, self._at = rate, 2 * rate, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(2 * self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class SocketQuota:
    """Room sockets open on this node per client (an address, a user), under a limit.

    Counted on the node, not in Redis: a storm of sockets must cost the node nothing
    shared, and a refused socket must not reach Redis or the database at all.
    """

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    @contextmanager
    def hold(self, key: str, limit: int) -> Iterator[None]:
        """Count one socket for ``key`` while the block runs; RateLimited past ``limit``."""
        if self._open[key] >= limit:
            raise RateLimited(
                f"too many open room sockets ({limit}) from one client", retry_after=10
            )
        self._open[key] += 1
        try:
            yield
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]

    def __len__(self) -> int:
        return len(self._open)


class Connection:
    def __init__(self, websocket: WebSocket, resources: Resources, commands: dict[str, Command]):
        self.websocket = websocket
        self.sink = open_sink(websocket, resources.metrics.ws_sent)
        self._commands = commands
        self._bucket = Bucket(MESSAGE_RATE)
        self._strikes = 0

    async def serve(self) -> None:
        """Run until either side closes; the caller has joined the hub already."""
        self.sink.start(_ping)
        try:
            await self._read()
        finally:
            await self.sink.finish()

    def send(self, frame: bytes) -> None:
        if not self.sink.offer(frame):
            self.sink.close(CLOSE_RESUME, "too slow, resume with ?since=")

    def close(self, code: int, reason: str, frame: bytes | None = None) -> None:
        if frame is not None:
            self.sink.offer(frame)
        self.sink.close(code, reason)

    # --- reader ----------------------------------------------------------------
    async def _read(self) -> None:
        while not self.sink.closed:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = (message.get("bytes") or b"").decode(errors="replace")
            if len(raw) > MAX_FRAME_BYTES or len(raw.encode()) > MAX_FRAME_BYTES:
                error = error_frame("too_large", f"messages are at most {MAX_FRAME_BYTES} bytes")
                self.close(CLOSE_TOO_BIG, "message too big", error)
                return
            if not self._bucket.take():
                self._refuse_flood()
                continue
            self._strikes = 0
            await self._run(raw)

    def _refuse_flood(self) -> None:
        self._strikes += 1
        if self._strikes >= FLOOD_STRIKES:
            self.close(CLOSE_FLOOD, "too many messages", error_frame("flood", "too many messages"))
        elif self._strikes == 1:
            self.send(error_frame("rate_limited", "slow down", retry_after=1))

    async def _run(self, raw: str) -> None:
        ref: Any = None
        try:
            type, data, ref = parse_message(raw)
            command = self._commands.get(type)
            if command is None:
                raise UnknownType(f"unknown message type {type!r}")
            answer = await command(data)
            if answer is not None:
                self.send(
                    reply(str(answer.get("type", "ack")), {**answer.get("data", {}), "ref": ref})
                )
        except DomainError as exc:
            self.send(error_frame(exc.code, exc.message, ref=ref, **_details(exc)))
        except BadMessage as exc:
            self.send(error_frame(exc.code, str(exc), ref=ref))
        except Exception:
            log.exception("room socket command failed")
            self.send(error_frame("internal", "internal error", ref=ref))

    def close_for(self, exc: DomainError) -> None:
        self.close(ws_close_code(exc), exc.message[:120], error_frame(exc.code, exc.message))


class BadMessage(ValueError):
    code = "invalid_message"


class UnknownType(BadMessage):
    code = "unknown_type"


def parse_message(raw: str) -> tuple[str, Mapping[str, Any], Any]:
    """``{"type": str, "data": {...}?, "ref": any?}`` or BadMessage."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise BadMessage("a message is one JSON object") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise BadMessage('a message is {"type": "...", "data": {...}}')
    data = value.get("data", {})
    if not isinstance(data, dict):
        raise BadMessage("data must be an object")
    ref = value.get("ref")
    return value["type"], data, ref if isinstance(ref, str | int) else None


def _details(exc: DomainError) -> dict[str, Any]:
    """What a page needs beside the code to say it (pages format the time themselves)."""
    if isinstance(exc, RateLimited):
        return {"retry_after": max(1, round(exc.retry_after))}
    if isinstance(exc, Muted):
        return {"until": exc.until.isoformat() if exc.until else None}
    return {}
