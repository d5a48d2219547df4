"""A PostgreSQL restart in the middle of a sale: 503s with Retry-After, never a 500
or a dropped connection, and the node recovers by itself."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests import services
from tests.faults._sale import make_buyers
from tests.faults._traffic import Outcome, Traffic
from tests.faults.postgres import PrivatePostgres
from tests.servers import Server, running

pytestmark = pytest.mark.slow

BUYERS = 6


def _env(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        "LIVECOMMERCE_DATABASE_URL": database_url,
        "LIVECOMMERCE_REDIS_URL": redis_url,
        "LIVECOMMERCE_REDIS_PREFIX": prefix,
        "LIVECOMMERCE_SECRET_KEY": "test-secret-key",
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }


def _signup(client: httpx.Client, handle: str, role: str = "viewer") -> str:
    body = {"handle": handle, "password": "correct horse", "display_name": handle, "role": role}
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    client.cookies.clear()
    token: str = response.json()["token"]
    return token


def open_sale(server: Server, buyers: int) -> tuple[int, list[str]]:
    """A live deal with plenty of units, and buyers' tokens."""
    with httpx.Client(base_url=server.url, timeout=20) as client:
        shop = {"Authorization": f"Bearer {_signup(client, 'shop', 'merchant')}"}
        _signup(client, "anna", "host")
        product = {"title": "Tea", "price_cents": 1999, "stock": 100_000}
        pid = client.post("/api/products", json=product, headers=shop).json()["id"]
        room = {"title": "Show", "host": "anna", "scheduled_at": "2030-01-01T12:00:00Z",
                "product_ids": [pid]}  # fmt: skip
        rid = client.post("/api/rooms", json=room, headers=shop).json()["id"]
        # Deals sell only while their show is live.
        assert client.post(f"/api/rooms/{rid}/start", headers=shop).status_code == 200
        deal = {"product_id": pid, "price_cents": 990, "quantity": 100_000,
                "per_user_limit": 100_000, "countdown_seconds": 0,
                "duration_seconds": 600}  # fmt: skip
        sale = client.post(f"/api/rooms/{rid}/sales", json=deal, headers=shop)
        assert sale.status_code == 201, sale.text
        tokens = [_signup(client, f"buyer{i}") for i in range(buyers)]
    return sale.json()["id"], tokens


def readiness(server: Server) -> int:
    return httpx.get(f"{server.url}/readyz", timeout=10).status_code


def assert_all_answered(outcomes: list[Outcome]) -> None:
    counts = Counter((o.kind, o.status) for o in outcomes)
    dropped = [o.error for o in outcomes if o.status is None]
    assert dropped == [], f"{len(dropped)} requests got no response: {dropped[:3]}, {counts}"
    errors = [o.status for o in outcomes if o.status is not None and o.status >= 500]
    assert set(errors) <= {503}, f"server errors: {counts}"
    assert all(o.retry_after for o in outcomes if o.status == 503)


def test_a_database_restart_is_503_then_the_node_recovers(
    own_postgres: PrivatePostgres,
    own_database: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    """With the database stopped for 3 s under purchases and reads: no 500s, every
    request answered, 503s carry Retry-After, /readyz is 503 while it is down and 200
    after, and purchases succeed again within a few seconds."""
    with running(_env(own_database, redis_url, redis_prefix), tmp_path) as server:
        sale_id, tokens = open_sale(server, BUYERS)
        traffic = Traffic(server, sale_id, tokens)
        traffic.start()
        try:
            time.sleep(1.0)
            own_postgres.stop()
            down_at = time.monotonic()
            time.sleep(1.0)
            ready_while_down = readiness(server)
            time.sleep(2.0)
            own_postgres.start()
            up_at = time.monotonic()
            time.sleep(5.0)
            ready_after = readiness(server)
        finally:
            traffic.stop()
        log = server.log()
    outcomes = traffic.outcomes
    assert_all_answered(outcomes)
    assert any(o.status == 503 for o in outcomes if down_at < o.at < up_at), "outage unseen"
    assert (ready_while_down, ready_after) == (503, 200)
    bought = [o.at - up_at for o in outcomes if o.kind == "buy" and o.status == 201]
    assert any(0 < t < 5 for t in bought), "no purchase succeeded after the restart"
    for unhandled in ("Exception in ASGI application", "unhandled error"):
        assert unhandled not in log, log[-3000:]


def test_a_token_unknown_to_the_node_is_503_while_the_database_is_down(
    own_postgres: PrivatePostgres,
    own_database: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    """A buyer whose token generation neither the node nor Redis has cached (created
    elsewhere, or forgotten by a Redis restart) buys while PostgreSQL is down: the token
    check needs the user row, and the purchase fast lane answers 503 with Retry-After,
    never a 500 (it used to let the outage escape past every error handler)."""
    with running(_env(own_database, redis_url, redis_prefix), tmp_path) as server:
        sale_id, _ = open_sale(server, 0)
        (buyer,) = services.run_in_thread(make_buyers(own_database, 1, prefix="cold"))
        own_postgres.stop()
        try:
            response = httpx.post(
                f"{server.url}/api/sales/{sale_id}/orders", json={"quantity": 1},
                headers={"Authorization": f"Bearer {buyer.token}", "Idempotency-Key": "k1"},
                timeout=20,
            )  # fmt: skip
        finally:
            own_postgres.start()
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    assert response.headers.get("retry-after")
