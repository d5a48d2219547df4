"""A real server killed right after the provider paid a refund: after a restart the
refund is asked again with its key and settled once, the stock back once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import Order, OrderAudit, Product, Refund
from tests.routes.test_order_actions import bought
from tests.servers import start_server

pytestmark = pytest.mark.multinode


async def _read(url: str, order_id: int) -> tuple[list[Refund], int, int, str]:
    """The order's refund rows, its settle audit rows, its product's stock, its status."""
    db = Database(url)
    try:
        async with db.read() as session:
            rows = list(await session.scalars(select(Refund).where(Refund.order_id == order_id)))
            settles = await session.scalar(
                select(func.count()).select_from(OrderAudit).where(
                    OrderAudit.order_id == order_id, OrderAudit.to_status == "refunded")
            )  # fmt: skip
            order = await session.get(Order, order_id)
            assert order is not None
            product = await session.get(Product, order.product_id)
            assert product is not None
            return rows, int(settles or 0), product.stock_on_hand, order.status
    finally:
        await db.dispose()


async def test_a_node_killed_after_the_payout_settles_once_after_restart(
    settings: Settings, server_env: dict[str, str], tmp_path: Path
) -> None:
    """Approve on a node that dies right after the provider's payout (exit 70, no
    answer); the restarted node's refund loop claims the row after its lease, asks
    again with the same reference and settles: one refund, one settle, stock back once."""
    dying = start_server({**server_env, "LIVECOMMERCE_TEST_CRASH_AFTER_PAYOUT": "true"}, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=dying.url, timeout=10) as client:
            shop, bob, oid = await bought(client)
            _, _, on_hand, _ = await _read(settings.database_url, oid)
            body = {"carrier": "SF", "tracking_number": "SF1"}
            await client.post(f"/api/merchant/orders/{oid}/ship", json=body, headers=shop.headers)
            await client.post(f"/api/orders/{oid}/receipt", headers=bob.headers)
            asked = await client.post(
                f"/api/orders/{oid}/return", json={"quantity": 3}, headers=bob.headers
            )
            assert asked.json()["status"] == "refund_requested"
            with pytest.raises(httpx.TransportError):  # died after the payout, before answering
                await client.post(f"/api/merchant/orders/{oid}/return/approve",
                                  headers=shop.headers)  # fmt: skip
        assert dying.process.wait(timeout=10) == 70
    finally:
        dying.stop()
    [refund], settles, stock, status = await _read(settings.database_url, oid)
    assert (refund.status, refund.attempts, settles, stock, status) == (
        "pending", 1, 0, on_hand, "refunding",
    )  # fmt: skip
    revived = start_server(server_env, tmp_path)
    try:
        for _ in range(120):  # the 30 s lease, then a refund loop pass
            if (await _read(settings.database_url, oid))[3] == "refunded":
                break
            await asyncio.sleep(0.5)
    finally:
        revived.stop()
    [after], settles, stock, status = await _read(settings.database_url, oid)
    assert (after.status, after.attempts, after.reference) == ("succeeded", 2, refund.reference)
    assert (settles, stock, status) == (1, on_hand + 3, "refunded")
