"""Property test of the order lifecycle: random sequences of buyer, merchant, provider
webhook and timer actions never reach an illegal state, never refund more than was
paid, and keep every unit accounted for (on hand + held by orders == total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from livecommerce.errors import DomainError
from livecommerce.orders import fulfilment, payment, refunds, returns
from livecommerce.orders.lifecycle import HOLDING, ORDER_STATUSES, OrderStatus, can_transition
from livecommerce.orders.service import cancel_order, expire_due_orders
from livecommerce.orders.shelf import buy_from_shelf
from livecommerce.storage.models import Order, OrderAudit, Product, Refund
from tests.orders._after_payment import WINDOW
from tests.orders.conftest import World

_keys = count()
STOCK = 1000  # the world's product, before any order


@dataclass(frozen=True)
class Act:
    name: str
    pick: int  # which order of this run (modulo how many exist)
    quantity: int
    flag: bool  # the refund confirms by webhook / the timer jumps far


ACTIONS = ["buy", "pay", "cancel", "ship", "confirm", "return", "approve", "reject",
           "webhook", "timer"]  # fmt: skip
acts = st.builds(Act, st.sampled_from(ACTIONS), st.integers(0, 5), st.integers(0, 4), st.booleans())
PROPERTY = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def _act(w: World, act: Act, orders: list[int]) -> None:
    buyer = w.buyer_ids[act.pick % 2]
    if act.name == "buy":
        placed = await buy_from_shelf(
            w.checkout, buyer_id=buyer, room_id=w.room_id, product_id=w.product_id,
            quantity=max(act.quantity, 1), key=f"p{next(_keys)}",
        )  # fmt: skip
        orders.append(placed.order.id)
        return
    if not orders:
        return
    order_id = await _target(w, act, orders)
    async with w.db.read() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        owner = order.buyer_id
    if act.pick % 3:  # mostly the owner; sometimes another buyer, who must be refused
        buyer = owner
    now, db = w.clock(), w.db
    if act.name == "pay":
        await payment.pay_order(
            w.checkout, payment.SandboxProvider(), buyer_id=owner, order_id=order_id
        )
    elif act.name == "cancel":
        await cancel_order(w.checkout, buyer_id=owner, order_id=order_id)
    elif act.name == "ship":
        await fulfilment.ship(db, order_id=order_id, actor_user_id=w.merchant_id, carrier="SF",
                              tracking_number="1", now=now)  # fmt: skip
    elif act.name == "confirm":
        await fulfilment.confirm_receipt(db, order_id=order_id, buyer_id=buyer, now=now)
    elif act.name == "return":
        await returns.request_return(db, order_id=order_id, buyer_id=buyer, quantity=act.quantity,
                                     window=WINDOW, now=now)  # fmt: skip
    elif act.name == "approve":
        providers = {"sandbox": payment.SandboxProvider(confirm_by_webhook=act.flag)}
        await returns.approve_return(
            db, providers, order_id=order_id, merchant_id=w.merchant_id, now=now
        )
    elif act.name == "reject":
        await returns.reject_return(db, order_id=order_id, merchant_id=w.merchant_id, reason="no",
                                    now=now)  # fmt: skip
    elif act.name == "webhook":
        async with db.read() as session:
            refs = list(await session.scalars(select(Refund.provider_reference).where(
                Refund.order_id == order_id, Refund.provider_reference.is_not(None))))  # fmt: skip
        for ref in refs:  # a first confirmation, or a replay of one
            assert ref is not None
            await refunds.confirm_by_webhook(db, provider="sandbox", reference=ref, now=now)
    else:
        w.clock.advance(days=11 if act.flag else 0.005)
        await expire_due_orders(w.checkout, now=w.clock())
        await fulfilment.advance_orders(db, now=w.clock(), deliver_after=timedelta(days=10),
                                        return_window=WINDOW)  # fmt: skip


S = OrderStatus
APPLIES = {"pay": {S.PENDING_PAYMENT}, "cancel": {S.PENDING_PAYMENT}, "ship": {S.PAID},
           "confirm": {S.SHIPPED}, "return": {S.DELIVERED, S.PARTIALLY_REFUNDED},
           "approve": {S.REFUND_REQUESTED}, "reject": {S.REFUND_REQUESTED},
           "webhook": {S.REFUNDING}}  # fmt: skip


async def _target(w: World, act: Act, orders: list[int]) -> int:
    """Mostly an order the action applies to, so runs go deep; else any (often refused)."""
    applies = APPLIES.get(act.name, set())
    async with w.db.read() as session:
        # Any order of the world, earlier examples' too, so runs reach deep states.
        rows = await session.execute(select(Order.id, Order.status))
        fitting = sorted(i for i, status in rows.all() if S(status) in applies)
    if fitting and act.pick % 3:
        return fitting[act.pick % len(fitting)]
    return orders[act.pick % len(orders)]


async def _snapshot(w: World, ids: list[int]) -> list[tuple[object, ...]]:
    async with w.db.read() as session:
        rows = await session.scalars(select(Order).order_by(Order.id))
        return [(o.status, o.refunded_quantity, o.return_quantity) for o in rows]


async def _check(w: World, total: int) -> None:
    """Over every order of the world (earlier examples' too: a timer moves them as well)."""
    async with w.db.read() as session:
        orders = list(await session.scalars(select(Order)))
        ids = [o.id for o in orders]
        product = await session.get(Product, w.product_id, populate_existing=True)
        assert product is not None
        audits = list(await session.scalars(select(OrderAudit).order_by(OrderAudit.id)))
        paid_back = list(await session.execute(select(Refund.order_id, Refund.amount_cents).where(
            Refund.order_id.in_(ids), Refund.status == refunds.SUCCEEDED)))  # fmt: skip
    held = 0
    for o in orders:
        assert o.status in ORDER_STATUSES
        assert 0 <= o.refunded_quantity + o.return_quantity <= o.quantity
        if OrderStatus(o.status) in HOLDING:
            held += o.quantity - o.refunded_quantity
        back = sum(a for oid, a in paid_back if oid == o.id)
        assert back == o.refunded_quantity * o.unit_price_cents <= o.quantity * o.unit_price_cents
        chain = [a for a in audits if a.order_id == o.id]
        state = OrderStatus.PENDING_PAYMENT.value
        for a in chain:
            assert a.from_status == state and can_transition(
                OrderStatus(state), OrderStatus(a.to_status)
            )
            state = a.to_status
        assert state == o.status
    assert product.stock_on_hand + held == total


@PROPERTY
@given(plan=st.lists(acts, min_size=15, max_size=30))
async def test_random_sequences_keep_orders_legal_and_units_counted(
    world: World, plan: list[Act]
) -> None:
    """Any sequence of actions: legal states, legal audit chains, money and units kept."""
    orders: list[int] = []
    for act in plan:
        before = await _snapshot(world, orders)
        try:
            await _act(world, act, orders)
        except DomainError:
            assert await _snapshot(world, orders) == before, f"{act} failed but changed orders"
        await _check(world, STOCK)
