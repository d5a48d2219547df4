"""Shipping, receipt, returns and refunds through the use cases, in both shapes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from livecommerce.errors import (
    AlreadyRefunded,
    IllegalTransition,
    InvalidInput,
    NotYourOrder,
    ReturnExcluded,
    ReturnTooMany,
    ReturnWindowClosed,
)
from livecommerce.orders import bulk_ship, fulfilment, returns
from livecommerce.storage.models import Product, User
from tests.orders._after_payment import (
    WINDOW,
    approve,
    ask_return,
    audit_count,
    audit_edges,
    delivered_order,
    order_row,
    paid_order,
    stock,
)
from tests.orders.conftest import World

TEN_DAYS = timedelta(days=10)


async def test_ship_records_tracking_audit_and_events(world: World) -> None:
    """Shipping sets carrier and tracking, writes an audit row, tells buyer and merchant."""
    buyer = world.buyer_ids[0]
    order_id = await paid_order(world, buyer, "a")
    view = await fulfilment.ship(
        world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier=" SF ",
        tracking_number="SF1001", now=world.clock(),
    )  # fmt: skip
    assert (view.status, view.carrier, view.tracking_number) == ("shipped", "SF", "SF1001")
    assert (await audit_edges(world, order_id))[-1] == ("paid", "shipped", "merchant")
    private = [(u, t, d.get("status") or d.get("to_status")) for _, u, t, d in world.events.private]
    assert (buyer, "order.updated", "shipped") in private
    assert (world.merchant_id, "order.moved", "shipped") in private


async def test_shipping_someone_elses_order_changes_nothing(world: World) -> None:
    """Another merchant is refused with not_your_order; unpaid orders cannot ship."""
    async with world.db.unit_of_work() as uow:
        other = User(handle="other", display_name="O", password_hash="x", role="merchant")
        uow.session.add(other)
    order_id = await paid_order(world, world.buyer_ids[0], "a")
    before = await audit_count(world)
    with pytest.raises(NotYourOrder):
        await fulfilment.ship(
            world.db, order_id=order_id, actor_user_id=other.id, carrier="SF", tracking_number="1"
        )
    with pytest.raises(InvalidInput):
        await fulfilment.ship(
            world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="",
            tracking_number="1",
        )  # fmt: skip
    assert (await order_row(world, order_id)).status == "paid"
    assert await audit_count(world) == before
    await fulfilment.ship(
        world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="SF",
        tracking_number="1",
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="from shipped to shipped"):
        await fulfilment.ship(
            world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="SF",
            tracking_number="1",
        )  # fmt: skip


async def test_the_clock_delivers_then_completes(world: World) -> None:
    """Unconfirmed shipments are delivered after N days, then completed after the window;
    a second node running the same pass moves nothing twice."""
    order_id = await paid_order(world, world.buyer_ids[0], "a")
    await fulfilment.ship(
        world.db, order_id=order_id, actor_user_id=world.merchant_id, carrier="SF",
        tracking_number="1", now=world.clock(),
    )  # fmt: skip
    kw = {"deliver_after": TEN_DAYS, "return_window": WINDOW}
    world.clock.advance(days=9)
    assert await fulfilment.advance_orders(world.db, now=world.clock(), **kw) == []
    world.clock.advance(days=1)
    moved = await fulfilment.advance_orders(world.db, now=world.clock(), **kw)
    assert [(o, str(s)) for o, s in moved] == [(order_id, "delivered")]
    assert await fulfilment.advance_orders(world.db, now=world.clock(), **kw) == []
    world.clock.advance(days=7)
    moved = await fulfilment.advance_orders(world.db, now=world.clock(), **kw)
    assert [str(s) for _, s in moved] == ["completed"]
    edges = await audit_edges(world, order_id)
    assert edges[-2:] == [("shipped", "delivered", "system"), ("delivered", "completed", "system")]


async def test_partial_then_full_refund_returns_stock_and_money_once(world: World) -> None:
    """Return 1 of 3 (partially refunded), then the other 2 (refunded); stock comes back
    unit for unit; approving twice is already_refunded; more units than left is refused."""
    buyer = world.buyer_ids[0]
    start = await stock(world)
    order_id = await delivered_order(world, buyer, "a", quantity=3)
    assert await stock(world) == start - 3
    with pytest.raises(ReturnTooMany):
        await ask_return(world, buyer, order_id, 4)
    await ask_return(world, buyer, order_id, 1)
    view = await approve(world, order_id)
    assert view.status == "refunding"
    row = await order_row(world, order_id)
    assert (row.status, row.refunded_quantity) == ("partially_refunded", 1)
    assert await stock(world) == start - 2
    with pytest.raises(IllegalTransition):
        await approve(world, order_id)
    with pytest.raises(ReturnTooMany):
        await ask_return(world, buyer, order_id, 3)
    await ask_return(world, buyer, order_id, 2)
    await approve(world, order_id)
    row = await order_row(world, order_id)
    assert (row.status, row.refunded_quantity, row.return_quantity) == ("refunded", 3, 0)
    assert await stock(world) == start
    with pytest.raises(AlreadyRefunded):
        await approve(world, order_id)


async def test_returns_close_with_the_window_and_for_excluded_products(world: World) -> None:
    """Day 7 after delivery is too late; a perishable product is never returned without
    a reason; a rejection needs a reason and keeps the stock out."""
    buyer = world.buyer_ids[0]
    late = await delivered_order(world, buyer, "late")
    world.clock.advance(days=7)
    with pytest.raises(ReturnWindowClosed):
        await ask_return(world, buyer, late, 1)
    rejected = await delivered_order(world, buyer, "rej")
    await ask_return(world, buyer, rejected, 1)
    with pytest.raises(InvalidInput):
        await returns.reject_return(
            world.db, order_id=rejected, merchant_id=world.merchant_id, reason=" "
        )
    view = await returns.reject_return(
        world.db, order_id=rejected, merchant_id=world.merchant_id, reason="used", now=world.clock()
    )
    assert (view.status, view.return_quantity) == ("refund_rejected", 0)
    async with world.db.unit_of_work() as uow:
        product = await uow.session.get(Product, world.product_id)
        assert product is not None
        product.return_exclusion = "perishable"
    fresh = await delivered_order(world, buyer, "fresh")
    with pytest.raises(ReturnExcluded):
        await ask_return(world, buyer, fresh, 1)


async def test_a_bulk_upload_tells_each_buyer_and_the_merchant_once_a_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five orders in batches of two: each buyer hears order.updated for their order;
    the merchant hears one orders.shipped per batch naming its orders, no order.moved."""
    monkeypatch.setattr(bulk_ship, "BATCH", 2)
    ids = [await paid_order(world, buyer, f"b{buyer}", 1) for buyer in world.buyer_ids]
    world.events.private.clear()
    csv = "order_id,carrier,tracking_number\n" + "".join(f"{i},SF,T{i}\n" for i in ids)
    done = await bulk_ship.ship_csv(world.db, merchant_id=world.merchant_id, data=csv.encode())
    assert (done.shipped, done.skipped) == (len(ids), [])
    private = world.events.private
    buyers = {(u, d["order_id"]) for _, u, t, d in private if t == "order.updated"}
    assert buyers == set(zip(world.buyer_ids, ids, strict=True))
    merchant = [(t, d) for _, u, t, d in private if u == world.merchant_id]
    assert [t for t, _ in merchant] == ["orders.shipped"] * 3
    assert [d["order_ids"] for _, d in merchant] == [ids[0:2], ids[2:4], ids[4:]]
    assert {(await order_row(world, i)).status for i in ids} == {"shipped"}
