"""The sandbox payment provider follows the deployment's shape (issue 13, item 11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from livecommerce.app import create_app
from livecommerce.settings import Settings
from tests.routes.test_orders import live_sale, order
from tests.servers import running
from tests.users import address, signup


@pytest.fixture
async def unset_client(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app of the test's shape built as a deployment would be: the sandbox
    setting set nowhere."""
    monkeypatch.delenv("LIVECOMMERCE_PAYMENTS_SANDBOX", raising=False)
    kept = settings.model_dump(exclude={"payments_sandbox", "node_id"})
    app = create_app(Settings(**kept))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_scaled_app_without_the_setting_refuses_sandbox_payment(
    unset_client: httpx.AsyncClient,
) -> None:
    """On PostgreSQL with the setting unset, a buyer cannot mark their order paid."""
    client = unset_client
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    placed = await order(client, buyer, sale_id, "k")
    assert placed.status_code == 201, placed.text
    for provider in ("sandbox", "sandbox_webhook"):
        url = f"/api/orders/{placed.json()['id']}/pay"
        refused = await client.post(url, json={"provider": provider}, headers=buyer.headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
        assert "sandbox" in refused.json()["error"]["message"]
    url = f"/api/orders/{placed.json()['id']}"
    assert (await client.get(url, headers=buyer.headers)).json()["status"] == "pending_payment"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_embedded_app_without_the_setting_pays_with_the_sandbox(
    unset_client: httpx.AsyncClient,
) -> None:
    """The embedded default keeps the sandbox, so a first run can be paid for."""
    client = unset_client
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    await address(client, buyer)
    placed = (await order(client, buyer, sale_id, "k")).json()
    paid = await client.post(f"/api/orders/{placed['id']}/pay", headers=buyer.headers)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"


@pytest.mark.parametrize(
    ("shape", "line"),
    [("embedded", "sandbox provider ON (embedded"), ("scaled", "sandbox provider OFF (PostgreSQL")],
    indirect=["shape"],
)
def test_serve_logs_the_sandbox_state_at_start(
    server_env: dict[str, str], tmp_path: Path, line: str
) -> None:
    """``livecommerce serve`` says in its log whether the sandbox takes payments."""
    env = {k: v for k, v in server_env.items() if k != "LIVECOMMERCE_PAYMENTS_SANDBOX"}
    with running(env, tmp_path) as node:
        assert sum(line in row for row in node.log().splitlines()) == 1, node.log()
