"""SIGTERM under load: every request sent on a kept-alive connection gets its answer."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.faults._traffic import Outcome, Traffic
from tests.faults.test_postgres_restart import _env, assert_all_answered, open_sale
from tests.servers import start_server

pytestmark = pytest.mark.slow


def test_sigterm_drains_requests_on_kept_alive_connections(
    own_database: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Buyers and readers keep their connections busy when SIGTERM arrives: each
    request gets a response (the last ones with ``Connection: close``), none is cut
    off, and the server exits cleanly."""
    server = start_server(_env(own_database, redis_url, redis_prefix), tmp_path)
    try:
        sale_id, tokens = open_sale(server, 32)
        traffic = Traffic(server, sale_id, tokens, pace=0.0)
        traffic.start()
        time.sleep(1.0)
        sent_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=30)
        traffic.stop()
    finally:
        server.stop()
    # uvicorn re-raises the signal once it has shut down, so "killed by SIGTERM" is clean.
    assert code in (0, -signal.SIGTERM), server.log()[-3000:]
    assert_all_answered(traffic.outcomes)
    assert any(o.at > sent_at for o in traffic.outcomes), "nothing was in flight"


def _buy(client: httpx.Client, sale_id: int, outcomes: list[Outcome]) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    try:
        response = client.post(f"/api/sales/{sale_id}/orders", json={"quantity": 1}, headers=key)
    except httpx.HTTPError as exc:
        outcomes.append(Outcome(time.monotonic(), "buy", None, error=repr(exc)))
        return
    outcomes.append(Outcome(time.monotonic(), "buy", response.status_code))


def test_requests_unread_when_sigterm_arrives_are_answered(
    own_database: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Purchases sent on kept-alive connections that the node has not read yet when it
    starts to stop (it is frozen meanwhile, as a busy node is) are read and answered."""
    server = start_server(_env(own_database, redis_url, redis_prefix), tmp_path)
    outcomes: list[Outcome] = []
    clients: list[httpx.Client] = []
    try:
        sale_id, tokens = open_sale(server, 8)
        for token in tokens:
            client = httpx.Client(base_url=server.url, timeout=30)
            client.headers["Authorization"] = f"Bearer {token}"
            assert client.get(f"/api/sales/{sale_id}").status_code == 200  # kept alive
            clients.append(client)
        server.process.send_signal(signal.SIGSTOP)
        time.sleep(0.3)  # the server's own 0.1 s tick is due when it wakes
        buyers = [threading.Thread(target=_buy, args=(c, sale_id, outcomes)) for c in clients]
        for buyer in buyers:
            buyer.start()
        time.sleep(0.5)  # every purchase is in the node's socket buffers, unread
        server.process.send_signal(signal.SIGTERM)
        server.process.send_signal(signal.SIGCONT)
        for buyer in buyers:
            buyer.join(timeout=30)
        server.process.wait(timeout=30)
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()
        for client in clients:
            client.close()
    assert sorted(str(o.status or o.error) for o in outcomes) == ["201"] * len(clients)
