"""Print one buyer's whole order timeline (placed, paid, shipped, delivered, return
requested, refunding, partly refunded), driven through the API of an embedded app:

    python -m tests.examples.order_timeline
"""

from __future__ import annotations

import asyncio
import json
import tempfile

import httpx

from livecommerce.app import create_app
from livecommerce.settings import Settings
from livecommerce.storage.migrate import upgrade
from tests.users import address, product, room, signup


async def _walk(client: httpx.AsyncClient) -> object:
    shop = await signup(client, "teashop", "merchant")
    host = await signup(client, "anchor", "host")
    pid = (await product(client, shop, "Longjing tea", stock=10))["id"]
    rid = (await room(client, shop, host, [pid]))["id"]
    await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    bob = await signup(client, "bob")
    await address(client, bob)
    buy = {**bob.headers, "Idempotency-Key": "k1"}
    placed = await client.post(f"/api/rooms/{rid}/products/{pid}/orders", json={"quantity": 2},
                               headers=buy)  # fmt: skip
    oid = placed.json()["id"]
    ship = {"carrier": "SF", "tracking_number": "SF1001"}
    steps = [
        (f"/api/orders/{oid}/pay", {}, bob),
        (f"/api/merchant/orders/{oid}/ship", ship, shop),
        (f"/api/orders/{oid}/receipt", None, bob),
        (f"/api/orders/{oid}/return", {"quantity": 1}, bob),
        (f"/api/merchant/orders/{oid}/return/approve", None, shop),
    ]
    for path, body, who in steps:
        answer = await client.post(path, json=body, headers=who.headers)
        assert answer.is_success, answer.text
    await asyncio.sleep(0.5)  # the sandbox's refund is paid right after the commit
    timeline = await client.get(f"/api/orders/{oid}/timeline", headers=bob.headers)
    return timeline.json()


async def _run(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        secret_key="order-timeline-example-key",
        password_hash_memory_kib=1024,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
            print(json.dumps(await _walk(client), ensure_ascii=False, indent=1))


def main() -> None:
    database_url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/timeline.db"
    upgrade(database_url)
    asyncio.run(_run(database_url))


if __name__ == "__main__":
    main()
