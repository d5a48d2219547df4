"""Commissions following the order lifecycle, posted in the order's own transaction.

``install()`` (at app start) makes ``orders.transitions`` tell ``on_moved`` of every
claimed edge: paid accrues, completed (return window passed) releases, a settled refund
cancels the refunded units' share, or adjusts payable down if it came after release.
Each edge is claimed once, and each posting has a unique key on top, so nothing here is
counted twice however often a webhook or a timer repeats.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.orders import transitions
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.referrals import rules as shop_rules
from livecommerce.referrals.attribution import binding_at
from livecommerce.referrals.lifecycle import (
    CommissionStatus,
    EntryKind,
    clawed_back,
    commission_cents,
)
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import GroupMember, Order, Product
from livecommerce.storage.referral_models import Commission, CommissionEntry

GroupBuyCheck = Callable[[AsyncSession, Order], Awaitable[bool]]


async def is_group_seat(session: AsyncSession, order: Order) -> bool:
    """Whether the order is a seat of a group buy (``groups``' member rows say so)."""
    seat = await session.scalar(select(GroupMember.id).where(GroupMember.order_id == order.id))
    return seat is not None


_group_buy_check: list[GroupBuyCheck] = [is_group_seat]


def recognise_group_buys(check: GroupBuyCheck) -> None:
    """Replace how a group-buy order is told apart (``check(session, order)``); such an
    order earns commission only where the merchant allows it."""
    _group_buy_check[0] = check


def install() -> None:
    transitions.listen(on_moved)


def paid_total(order: Order) -> int:
    """What the buyer actually paid, after the coupon: the commission base."""
    return order.quantity * order.unit_price_cents - (order.discount_cents or 0)


async def on_moved(
    uow: UnitOfWork, order: Order, current: str, target: OrderStatus, now: datetime
) -> None:
    if target is OrderStatus.PAID:
        await accrue(uow.session, order, now)
    elif target is OrderStatus.COMPLETED:
        await release(uow.session, order, now)
    elif target in (OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED):
        await claw_back(uow.session, order, now)


def _post(
    session: AsyncSession, c: Commission, kind: EntryKind, *, pending: int, payable: int,
    key: str, now: datetime,
) -> None:  # fmt: skip
    session.add(
        CommissionEntry(
            commission_id=c.id, promoter_id=c.promoter_id, kind=kind.value,
            pending_cents=pending, payable_cents=payable, key=f"{c.id}:{key}", at=now,
        )
    )  # fmt: skip


async def _earners(session: AsyncSession, order: Order, merchant_id: int) -> list[tuple[int, int]]:
    """``(level, promoter)`` pairs the order pays: the buyer's referrer, then theirs."""
    rules = await shop_rules.rules_of(session, merchant_id)
    if not rules.group_buys and await _group_buy_check[0](session, order):
        return []
    first = await binding_at(session, buyer_id=order.buyer_id, merchant_id=merchant_id,
                             at=order.created_at)  # fmt: skip
    if first is None or first.referrer_id == order.buyer_id:
        return []
    earners = [(1, first.referrer_id)]
    if rules.levels == 2 and rules.second_rate_bp > 0:
        upper = await binding_at(session, buyer_id=first.referrer_id, merchant_id=merchant_id,
                                 at=order.created_at)  # fmt: skip
        if upper is not None and upper.referrer_id not in (order.buyer_id, first.referrer_id):
            earners.append((2, upper.referrer_id))
    return [
        (level, who) for level, who in earners
        if await shop_rules.may_promote(session, rules, merchant_id, who)
    ]  # fmt: skip


async def accrue(session: AsyncSession, order: Order, now: datetime) -> None:
    """The order was paid: a pending commission for each promoter it pays."""
    merchant_id = await session.scalar(
        select(Product.merchant_id).where(Product.id == order.product_id)
    )
    if merchant_id is None:
        return
    rules = await shop_rules.rules_of(session, merchant_id)
    base = paid_total(order)
    for level, promoter in await _earners(session, order, merchant_id):
        rate = await shop_rules.rate_for(session, rules, order.product_id)
        rate = rate if level == 1 else rules.second_rate_bp
        amount = commission_cents(base, rate)
        if amount <= 0:
            continue
        c = Commission(
            order_id=order.id, promoter_id=promoter, merchant_id=merchant_id, level=level,
            rate_bp=rate, base_cents=base, amount_cents=amount,
            status=CommissionStatus.PENDING.value, created_at=now,
        )  # fmt: skip
        session.add(c)
        await session.flush()
        _post(session, c, EntryKind.ACCRUED, pending=amount, payable=0, key="accrued", now=now)


async def _commissions(session: AsyncSession, order_id: int) -> list[Commission]:
    rows = await session.scalars(select(Commission).where(Commission.order_id == order_id))
    return list(rows)


async def _balance(session: AsyncSession, commission_id: int) -> tuple[int, int]:
    pending, payable = (
        await session.execute(
            select(
                func.coalesce(func.sum(CommissionEntry.pending_cents), 0),
                func.coalesce(func.sum(CommissionEntry.payable_cents), 0),
            ).where(CommissionEntry.commission_id == commission_id)
        )
    ).one()
    return int(pending), int(payable)


async def _claim(session: AsyncSession, c: Commission, to: CommissionStatus, now: datetime) -> bool:
    result = await session.execute(
        update(Commission)
        .where(Commission.id == c.id, Commission.status == CommissionStatus.PENDING.value)
        .values(status=to.value, settled_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, order: Order, now: datetime) -> None:
    """The return window closed: what is left pending becomes payable."""
    for c in await _commissions(session, order.id):
        if not await _claim(session, c, CommissionStatus.PAYABLE, now):
            continue
        left, _ = await _balance(session, c.id)
        _post(session, c, EntryKind.RELEASED, pending=-left, payable=left, key="released", now=now)


async def claw_back(session: AsyncSession, order: Order, now: datetime) -> None:
    """Refunded units take their share back: off pending (cancelled) before release,
    off payable (a negative adjustment) after it."""
    for c in await _commissions(session, order.id):
        if c.status == CommissionStatus.CANCELLED:
            continue
        owed_back = clawed_back(c.amount_cents, quantity=order.quantity,
                                refunded_quantity=order.refunded_quantity)  # fmt: skip
        taken = await session.scalar(
            select(func.coalesce(func.sum(CommissionEntry.pending_cents
                                          + CommissionEntry.payable_cents), 0))
            .where(CommissionEntry.commission_id == c.id,
                   CommissionEntry.kind.in_([EntryKind.CANCELLED, EntryKind.ADJUSTED]))
        )  # fmt: skip
        delta = owed_back + int(taken or 0)
        if delta <= 0:
            continue
        key = f"{order.refunded_quantity}"
        if c.status == CommissionStatus.PENDING:
            _post(session, c, EntryKind.CANCELLED, pending=-delta, payable=0,
                  key=f"cancelled:{key}", now=now)  # fmt: skip
            if owed_back >= c.amount_cents:
                await _claim(session, c, CommissionStatus.CANCELLED, now)
        else:
            _post(session, c, EntryKind.ADJUSTED, pending=0, payable=-delta,
                  key=f"adjusted:{key}", now=now)  # fmt: skip
