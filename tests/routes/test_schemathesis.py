"""Schemathesis against a real server's ``/openapi.json``: no request is a 5xx.

Both shapes (embedded: SQLite; scaled: PostgreSQL + Redis), each fuzzed anonymously and
with a merchant's token. The server is seeded with a show (products, a room, a live
deal, an order) so the small ids the fuzzer favours name real rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import services
from tests.servers import Server, start_server

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 12
"""Keeps the module near two minutes on a 2-core box; a 5xx shows up well within it."""

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def node(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """A seeded server of the shape, and a merchant's token on it."""
    tmp = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    env = {
        "LIVECOMMERCE_SECRET_KEY": "schemathesis",
        "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    prefix = None
    if request.param == "embedded":
        env["LIVECOMMERCE_DATABASE_URL"] = services.sqlite_copy(sqlite_template, tmp)
    else:
        db_url: str = request.getfixturevalue("postgres_url")
        services.run_in_thread(services.truncate_all(db_url))
        prefix = services.redis_prefix()
        redis_url = services.service_url("REDIS")
        env.update(
            LIVECOMMERCE_DATABASE_URL=db_url,
            LIVECOMMERCE_REDIS_URL=redis_url,
            LIVECOMMERCE_REDIS_PREFIX=prefix,
        )
    server = start_server(env, tmp)
    try:
        yield server, seed(server.url)
    finally:
        server.stop()
        if prefix is not None:
            services.run_in_thread(services.delete_prefix(services.service_url("REDIS"), prefix))


def seed(url: str) -> str:
    """A merchant with a product, a room with it on the shelf, a live deal and an order."""
    with httpx.Client(base_url=url) as client:

        def post(path: str, body: dict[str, Any], token: str | None = None) -> Any:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "seed"}
            response = client.post(path, json=body, headers=headers if token else {})
            assert response.is_success, response.text
            return response.json()

        def user(handle: str, role: str) -> str:
            body = {"handle": handle, "password": "correct horse", "display_name": handle}
            token: str = post("/api/auth/signup", {**body, "role": role})["token"]
            return token

        shop, host, buyer = user("shop", "merchant"), user("anna", "host"), user("bob", "viewer")
        pid = post("/api/products", {"title": "Tea", "price_cents": 100, "stock": 50}, shop)["id"]
        show = {"title": "Show", "host": "anna", "scheduled_at": "2030-01-01T12:00:00Z"}
        rid = post("/api/rooms", {**show, "product_ids": [pid]}, shop)["id"]
        post(f"/api/rooms/{rid}/start", {}, host)  # deals sell only while the show is live
        deal = {"product_id": pid, "price_cents": 90, "quantity": 20, "countdown_seconds": 0}
        sale = post(f"/api/rooms/{rid}/sales", {**deal, "duration_seconds": 3600}, host)["id"]
        post(f"/api/sales/{sale}/orders", {"quantity": 1}, buyer)
        return shop


@pytest.mark.parametrize("caller", ["anonymous", "merchant"])
def test_no_server_error(node: tuple[Server, str], caller: str, tmp_path: Path) -> None:
    """Whatever the fuzzer sends to any operation, the answer is not a 5xx and has the
    documented shape (an error is {"error": {"code", "message"}})."""
    server, token = node
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json",
        # Every answer, errors included, must match the schema /openapi.json documents.
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES_PER_OPERATION), "--continue-on-failure",
        "--no-shrink", "--generation-database", "none", "--workers", "1",
        "--no-color", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    if caller == "merchant":
        command += ["--header", f"Authorization: Bearer {token}"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "SCHEMATHESIS_HOOKS": "tests.routes._schemathesis_hooks",
    }
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, (
        f"{run.stdout[-20_000:]}\n{run.stderr[-5000:]}\n{server.log()[-5000:]}"
    )
