"""The merchant cancels a paid order before shipping, through the use case, both shapes."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from livecommerce.errors import AlreadyRefunded, IllegalTransition, NotYourOrder
from livecommerce.orders import cancellation, fulfilment
from livecommerce.storage.models import Refund, User
from tests.orders._after_payment import PROVIDERS, audit_edges, order_row, paid_order, stock
from tests.orders.conftest import World


async def _cancel(world: World, order_id: int, merchant_id: int | None = None) -> str:
    view = await cancellation.cancel_paid_order(
        world.db, PROVIDERS, order_id=order_id, merchant_id=merchant_id or world.merchant_id,
        reason="out of stock", now=world.clock(),
    )  # fmt: skip
    return view.status


async def _refunds(world: World, order_id: int) -> list[Refund]:
    async with world.db.read() as session:
        return list(await session.scalars(select(Refund).where(Refund.order_id == order_id)))


async def test_cancel_refunds_every_unit_once_with_audit_and_events(world: World) -> None:
    """paid -> refunding (merchant, with the reason) -> refunded (provider); one refund
    row of the whole price; the units back on hand; buyer and merchant told."""
    buyer = world.buyer_ids[0]
    start = await stock(world)
    order_id = await paid_order(world, buyer, "a", quantity=2)
    assert await stock(world) == start - 2
    world.events.private.clear()
    assert await _cancel(world, order_id) == "refunding"
    order = await order_row(world, order_id)
    assert (order.status, order.refunded_quantity) == ("refunded", 2)
    [refund] = await _refunds(world, order_id)
    assert (refund.quantity, refund.amount_cents, refund.status) == (
        2, 2 * order.unit_price_cents, "succeeded",
    )  # fmt: skip
    assert await stock(world) == start
    assert (await audit_edges(world, order_id))[-2:] == [
        ("paid", "refunding", "merchant"), ("refunding", "refunded", "provider"),
    ]  # fmt: skip
    private = [(u, t, d.get("status") or d.get("to_status")) for _, u, t, d in world.events.private]
    assert (buyer, "order.updated", "refunded") in private
    assert (world.merchant_id, "order.moved", "refunding") in private
    with pytest.raises(AlreadyRefunded):
        await _cancel(world, order_id)
    assert len(await _refunds(world, order_id)) == 1 and await stock(world) == start


async def test_cancel_is_refused_once_shipped_and_for_another_merchant(world: World) -> None:
    """A shipped order: illegal_transition, no refund row; another merchant: not theirs."""
    async with world.db.unit_of_work() as uow:
        other = User(handle="other", display_name="O", password_hash="x", role="merchant")
        uow.session.add(other)
    order_id = await paid_order(world, world.buyer_ids[0], "a")
    with pytest.raises(NotYourOrder):
        await _cancel(world, order_id, other.id)
    await fulfilment.ship(
        world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="SF",
        tracking_number="1", now=world.clock(),
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="once it is shipped"):
        await _cancel(world, order_id)
    assert (await order_row(world, order_id)).status == "shipped"
    assert await _refunds(world, order_id) == []


async def test_cancel_racing_shipping_one_wins(world: World) -> None:
    """Cancel and ship at once: exactly one wins; a refund row only if the cancel did."""
    order_id = await paid_order(world, world.buyer_ids[0], "a")
    ship = fulfilment.ship(
        world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="SF",
        tracking_number="1", now=world.clock(),
    )  # fmt: skip
    results = await asyncio.gather(_cancel(world, order_id), ship, return_exceptions=True)
    assert sum(isinstance(r, IllegalTransition) for r in results) == 1
    status = (await order_row(world, order_id)).status
    assert status in ("refunded", "shipped")
    assert len(await _refunds(world, order_id)) == (status == "refunded")
