"""A refund is a durable work item: a node dying mid-refund neither pays twice nor loses it."""

from __future__ import annotations

from sqlalchemy import select

from livecommerce.orders import refunds, returns
from livecommerce.orders.payment import Charge, Payout
from livecommerce.orders.views import OrderView
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import Refund
from tests.orders._after_payment import ask_return, delivered_order, order_row, stock
from tests.orders.conftest import World


class Crash(Exception):
    """Stands for the process dying after the provider paid, before the settle commit."""


class Bank:
    """A provider that pays each idempotency key once, as real providers do; it can be
    told to die right after paying."""

    name = "sandbox"

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}
        self.calls = 0
        self.die_after_paying = False

    async def charge(self, order: OrderView) -> Charge:
        raise NotImplementedError

    async def refund(self, *, reference: str, amount_cents: int) -> Payout:
        self.calls += 1
        self.paid.setdefault(reference, amount_cents)
        if self.die_after_paying:
            self.die_after_paying = False
            raise Crash
        return Payout(f"bank_{reference}", confirmed=True)


async def _refund_rows(w: World) -> list[Refund]:
    async with w.db.read() as session:
        return list(await session.scalars(select(Refund)))


async def test_a_crash_after_paying_is_retried_by_another_node_and_paid_once(
    world: World, settings: Settings
) -> None:
    """The approving node dies after the provider paid; after the lease another node asks
    again with the same key: one payout, one settle, stock back once."""
    buyer = world.buyer_ids[0]
    start = await stock(world)
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    await ask_return(world, buyer, order_id, 2)
    bank = Bank()
    bank.die_after_paying = True
    # The after-commit hook's failure is logged, not raised: the approval stands.
    await returns.approve_return(
        world.db, {"sandbox": bank}, order_id=order_id, merchant_id=world.merchant_id,
        now=world.clock(),
    )  # fmt: skip
    [row] = await _refund_rows(world)
    assert (row.status, row.attempts) == (refunds.PENDING, 1)
    assert (await order_row(world, order_id)).status == "refunding"
    other_node = Database(settings.database_url)
    try:
        # Inside the lease, the other node leaves it alone.
        assert await refunds.pay_due(other_node, {"sandbox": bank}, now=world.clock()) == 0
        world.clock.advance(seconds=refunds.LEASE.total_seconds() + 1)
        assert await refunds.pay_due(other_node, {"sandbox": bank}, now=world.clock()) == 1
        assert await refunds.pay_due(other_node, {"sandbox": bank}, now=world.clock()) == 0
    finally:
        await other_node.dispose()
    assert bank.calls == 2 and bank.paid == {row.reference: 2 * 1999}
    [row] = await _refund_rows(world)
    assert (row.status, row.attempts) == (refunds.SUCCEEDED, 2)
    order = await order_row(world, order_id)
    assert (order.status, order.refunded_quantity) == ("refunded", 2)
    assert await stock(world) == start


async def test_settling_twice_changes_nothing(world: World) -> None:
    """A replayed confirmation (webhook retried, a late node) settles nothing again."""
    buyer = world.buyer_ids[0]
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    await ask_return(world, buyer, order_id, 1)
    bank = Bank()
    await returns.approve_return(
        world.db, {"sandbox": bank}, order_id=order_id, merchant_id=world.merchant_id,
        now=world.clock(),
    )  # fmt: skip
    [row] = await _refund_rows(world)
    level = await stock(world)
    assert not await refunds.settle(world.db, row.id, provider_reference="x", now=world.clock())
    _, settled = await refunds.confirm_by_webhook(
        world.db, provider="sandbox", reference=row.reference
    )
    assert not settled
    order = await order_row(world, order_id)
    assert (order.status, order.refunded_quantity, await stock(world)) == (
        "partially_refunded",
        1,
        level,
    )
