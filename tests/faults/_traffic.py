"""Buyers and readers on kept-alive connections, recording every answer (or its absence)."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from tests.servers import Server


@dataclass
class Outcome:
    at: float
    kind: str  # "buy" or "read"
    status: int | None  # None: the request got no response
    retry_after: str | None = None
    error: str = ""


@dataclass
class Traffic:
    """Threads that each keep one connection and send a purchase then a read, in turn."""

    server: Server
    sale_id: int
    tokens: list[str]
    pace: float = 0.01
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for token in self.tokens:
            thread = threading.Thread(target=self._run, args=(token,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=self.server.url, headers=headers, timeout=20) as client:
            for n in itertools.count():
                if self._stop.is_set() or not self._send(client, n):
                    return
                time.sleep(self.pace)

    def _send(self, client: httpx.Client, n: int) -> bool:
        """One request; False once the server says to go elsewhere (``Connection: close``
        while it drains) or refuses new connections (it has stopped)."""
        kind = "buy" if n % 2 == 0 else "read"
        try:
            if kind == "buy":
                key = {"Idempotency-Key": uuid.uuid4().hex}
                path = f"/api/sales/{self.sale_id}/orders"
                response = client.post(path, json={"quantity": 1}, headers=key)
            else:
                response = client.get(f"/api/sales/{self.sale_id}")
        except httpx.ConnectError:
            return False  # a new connection refused: nothing was sent
        except httpx.HTTPError as exc:
            self.outcomes.append(Outcome(time.monotonic(), kind, None, error=repr(exc)))
            return True
        retry = response.headers.get("retry-after")
        self.outcomes.append(Outcome(time.monotonic(), kind, response.status_code, retry))
        told_to_leave: bool = response.headers.get("connection") == "close"
        return not told_to_leave
