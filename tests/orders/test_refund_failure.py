"""A provider that refuses a refund outright: failed after N attempts, shown, retried, paid once."""

from __future__ import annotations

from sqlalchemy import select

from livecommerce.orders import refunds, returns
from livecommerce.orders.payment import SandboxProvider, build_providers
from livecommerce.storage.models import Refund
from tests.orders._after_payment import ask_return, delivered_order, order_row, stock
from tests.orders.conftest import World
from tests.orders.test_refunds import Bank


async def _refund(world: World) -> Refund:
    async with world.db.read() as session:
        [row] = list(await session.scalars(select(Refund)))
        return row


async def test_a_refused_refund_fails_after_the_attempts_and_a_retry_pays_once(
    world: World,
) -> None:
    """Refusing sandbox: the loop asks up to three times, then marks it failed and stops;
    the order stays refunding. The merchant's retry with a paying provider settles it
    once with the same reference: one payout, stock back once."""
    buyer = world.buyer_ids[0]
    start = await stock(world)
    order_id = await delivered_order(world, buyer, "a", quantity=2)
    await ask_return(world, buyer, order_id, 2)
    refusing = build_providers(refuse_refunds=True)
    await refunds_approve(world, order_id, refusing)
    assert (await _refund(world)).attempts == 1  # the first try, right after approval
    for _ in range(4):
        world.clock.advance(seconds=refunds.LEASE.total_seconds() + 1)
        await refunds.pay_due(world.db, refusing, now=world.clock(), max_attempts=3)
    row = await _refund(world)
    assert (row.status, row.attempts) == ("failed", 3)
    assert (await order_row(world, order_id)).status == "refunding"
    async with world.db.read() as session:
        state = await refunds.refund_state(session, order_id)
    assert state is not None and state["status"] == "failed"
    bank = Bank()
    assert await refunds.retry(
        world.db, {"sandbox": bank}, order_id=order_id, merchant_id=world.merchant_id,
        now=world.clock(),
    )  # fmt: skip
    assert bank.paid == {row.reference: row.amount_cents}
    assert (await order_row(world, order_id)).status == "refunded"
    assert (await _refund(world)).status == "succeeded"
    assert await stock(world) == start
    world.clock.advance(minutes=5)
    await refunds.pay_due(world.db, {"sandbox": bank}, now=world.clock())
    assert not await refunds.retry(
        world.db, {"sandbox": bank}, order_id=order_id, merchant_id=world.merchant_id
    )
    assert bank.calls == 1 and await stock(world) == start


async def refunds_approve(world: World, order_id: int, providers: refunds.Providers) -> None:
    await returns.approve_return(
        world.db, providers, order_id=order_id, merchant_id=world.merchant_id, now=world.clock()
    )


async def test_the_first_try_never_fails_a_refund_and_transient_errors_retry(
    world: World,
) -> None:
    """A refusal right after approval leaves the refund pending; the loop's next try,
    the provider paying again, settles it."""
    buyer = world.buyer_ids[0]
    order_id = await delivered_order(world, buyer, "a", quantity=1)
    await ask_return(world, buyer, order_id, 1)
    await refunds_approve(world, order_id, {"sandbox": SandboxProvider(refuse_refunds=True)})
    assert (await _refund(world)).status == "pending"
    world.clock.advance(seconds=refunds.LEASE.total_seconds() + 1)
    await refunds.pay_due(world.db, build_providers(), now=world.clock())
    assert (await order_row(world, order_id)).status == "refunded"
