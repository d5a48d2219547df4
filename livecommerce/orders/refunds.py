"""Refunds as durable work items: written with the approval, paid by whichever node
holds the lease, settled once.

A ``refund`` row is written in the transaction that approves the return. A node claims
it with ``UPDATE refund SET leased_until = now + LEASE WHERE status = 'pending' AND
leased_until <= now`` and asks the provider, outside any transaction, with the row's
``reference`` as the idempotency key. A node that dies in between leaves the lease to
run out; the next claim asks again with the same key, so the buyer is paid once and the
refund is never lost. Settling is one more conditional update (``status`` not yet
``succeeded``), in the transaction that moves the order out of ``refunding`` and puts
the units back on hand, so a repeated confirmation (the provider's webhook retried, a
slow node finishing late) changes nothing.

A provider may refuse a refund outright (``RefundRefused``) or fail for a while. Each
claim counts an attempt; once ``max_attempts`` were spent and the provider still says
no, the retry loop marks the refund ``failed`` and stops asking. The order stays
``refunding`` and the merchant sees the refund failed (``refund_state``); ``retry``
puts it back to ``pending`` with the same reference, so a provider that in fact paid
one of the earlier attempts still pays once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.catalog.service import return_product_stock
from livecommerce.errors import IllegalTransition, NotFound
from livecommerce.loops import pass_failed, pause
from livecommerce.orders import transitions
from livecommerce.orders.lifecycle import OrderStatus, refund_outcome
from livecommerce.orders.payment import SUCCEEDED as PAYMENT_SUCCEEDED
from livecommerce.orders.payment import PaymentProvider
from livecommerce.orders.service import load_merchant_order
from livecommerce.orders.views import refund_cents
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.models import Order, Payment, Refund, utcnow

log = logging.getLogger(__name__)

PENDING = "pending"  # to ask the provider (again, after a lease ran out)
SENT = "sent"  # the provider took it and confirms by webhook
SUCCEEDED = "succeeded"  # paid back; the order's units are on hand again
FAILED = "failed"  # the provider kept refusing; waits for the merchant's retry
LEASE = timedelta(seconds=30)
BATCH = 50
MAX_ATTEMPTS = 5

Providers = Mapping[str, PaymentProvider]


async def _payment_provider(uow: UnitOfWork, order_id: int) -> str:
    provider = await uow.session.scalar(
        select(Payment.provider)
        .where(Payment.order_id == order_id, Payment.status == PAYMENT_SUCCEEDED)
        .order_by(Payment.id.desc())
    )
    if provider is None:
        raise IllegalTransition(f"order {order_id} has no settled payment to refund")
    return provider


async def open_refund(
    db: Database, providers: Providers, uow: UnitOfWork, order: Order, *, quantity: int,
    now: datetime,
) -> int:  # fmt: skip
    """Write the refund work item for ``quantity`` units of an order the caller has just
    moved to ``refunding``, in the caller's transaction; it is paid right after the
    commit (and retried from its row if this node cannot finish). Its id."""
    refund = Refund(
        order_id=order.id, quantity=quantity, amount_cents=refund_cents(order, quantity),
        provider=await _payment_provider(uow, order.id),
        reference=f"rf_{order.id}_{secrets.token_hex(8)}", status=PENDING,
        attempts=0, created_at=now, leased_until=now,
    )  # fmt: skip
    uow.session.add(refund)
    await uow.session.flush()
    refund_id = refund.id

    async def pay_now() -> None:
        await pay(db, providers, refund_id, now=now)

    uow.after_commit(pay_now)
    return refund_id


async def claim(db: Database, refund_id: int, *, now: datetime) -> Refund | None:
    """Take the refund's lease if it is free; None if another node holds it or it is done."""
    async with db.unit_of_work() as uow:
        result = await uow.session.execute(
            update(Refund)
            .where(Refund.id == refund_id, Refund.status == PENDING, Refund.leased_until <= now)
            .values(leased_until=now + LEASE, attempts=Refund.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await uow.session.get(Refund, refund_id, populate_existing=True)


async def pay(
    db: Database, providers: Providers, refund_id: int, *, now: datetime,
    max_attempts: int | None = None,
) -> bool:  # fmt: skip
    """Claim the refund, ask its provider, settle or wait for the webhook; True if claimed.

    A refusal on the ``max_attempts``-th attempt marks the refund failed (None: never,
    as for the first try right after the approval; the retry loop passes its setting)."""
    refund = await claim(db, refund_id, now=now)
    if refund is None:
        return False
    provider = providers.get(refund.provider)
    if provider is None:
        log.error("refund %d: no provider %r on this node", refund.id, refund.provider)
        return True
    try:
        payout = await provider.refund(reference=refund.reference, amount_cents=refund.amount_cents)
    except Exception as exc:
        if max_attempts is not None and refund.attempts >= max_attempts:
            await _mark_failed(db, refund.id, now=now)
            log.warning("refund %d failed after %d attempts: %s", refund.id, refund.attempts, exc)
            return True
        raise
    db.crash_point_after_payout()
    if payout.confirmed:
        await settle(db, refund.id, provider_reference=payout.reference, now=now)
    else:
        await _mark_sent(db, refund.id, payout.reference)
    return True


async def _mark_sent(db: Database, refund_id: int, provider_reference: str) -> None:
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            update(Refund)
            .where(Refund.id == refund_id, Refund.status == PENDING)
            .values(status=SENT, provider_reference=provider_reference)
            .execution_options(synchronize_session=False)
        )


async def _mark_failed(db: Database, refund_id: int, *, now: datetime) -> None:
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            update(Refund)
            .where(Refund.id == refund_id, Refund.status == PENDING)
            .values(status=FAILED, leased_until=now)
            .execution_options(synchronize_session=False)
        )


async def retry(
    db: Database, providers: Providers, *, order_id: int, merchant_id: int,
    now: datetime | None = None,
) -> bool:  # fmt: skip
    """The merchant asks again for the order's failed refund: it is pending again (same
    reference, attempts from zero) and paid right away; False if none had failed."""
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        await load_merchant_order(uow.session, merchant_id=merchant_id, order_id=order_id)
        refund_id = await uow.session.scalar(
            update(Refund)
            .where(Refund.order_id == order_id, Refund.status == FAILED)
            .values(status=PENDING, attempts=0, leased_until=at)
            .returning(Refund.id)
            .execution_options(synchronize_session=False)
        )
    if refund_id is None:
        return False
    try:
        await pay(db, providers, refund_id, now=at)
    except Exception as exc:  # still pending: the retry loop goes on asking
        pass_failed(log, f"refund {refund_id} failed again", exc)
    return True


async def refund_state(session: AsyncSession, order_id: int) -> dict[str, object] | None:
    """The order's latest refund as the merchant sees it, or None if it has none."""
    refund = await session.scalar(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.id.desc()).limit(1)
    )
    if refund is None:
        return None
    return {"status": refund.status, "attempts": refund.attempts,
            "amount_cents": refund.amount_cents, "quantity": refund.quantity}  # fmt: skip


async def settle(
    db: Database, refund_id: int, *, provider_reference: str | None, now: datetime
) -> bool:
    """The money is back: finish the order's refund once; False if it already was."""
    async with db.unit_of_work() as uow:
        session = uow.session
        result = await session.execute(
            update(Refund)
            .where(Refund.id == refund_id, Refund.status.in_([PENDING, SENT]))
            .values(status=SUCCEEDED, settled_at=now, provider_reference=provider_reference)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return False
        refund = await session.get(Refund, refund_id, populate_existing=True)
        assert refund is not None
        order = await session.get(Order, refund.order_id, populate_existing=True)
        assert order is not None
        target = refund_outcome(
            quantity=order.quantity, refunded_quantity=order.refunded_quantity + refund.quantity
        )
        moved = await transitions.move(
            uow, order.id, OrderStatus.REFUNDING, target, actor=transitions.PROVIDER, now=now,
            reason=f"refunded {refund.quantity} unit(s)",
            values={"refunded_quantity": Order.refunded_quantity + refund.quantity,
                    "return_quantity": 0},
        )  # fmt: skip
        if moved is None:  # cannot happen while refunds are one per order at a time
            raise RuntimeError(f"refund {refund_id}: order {order.id} is not refunding")
        await return_product_stock(session, order.product_id, refund.quantity)
    return True


async def confirm_by_webhook(
    db: Database, *, provider: str, reference: str, now: datetime | None = None
) -> tuple[Refund, bool]:
    """Apply a provider's (already verified) refund webhook: the refund, and whether this
    call settled it (False: a replay, nothing changed)."""
    async with db.read() as session:
        refund = await session.scalar(
            select(Refund).where(
                Refund.provider == provider,
                (Refund.provider_reference == reference) | (Refund.reference == reference),
            )
        )
    if refund is None:
        raise NotFound(f"refund {reference!r} not found")
    settled = await settle(db, refund.id, provider_reference=reference, now=now or utcnow())
    async with db.read() as session:
        fresh = await session.get(Refund, refund.id)
        assert fresh is not None
        return fresh, settled


async def pay_due(
    db: Database, providers: Providers, *, now: datetime, max_attempts: int = MAX_ATTEMPTS
) -> int:
    """Pay every pending refund whose lease is free (a node died, a provider failed)."""
    async with db.read() as session:
        ids = list(
            await session.scalars(
                select(Refund.id)
                .where(Refund.status == PENDING, Refund.leased_until <= now)
                .order_by(Refund.id)
                .limit(BATCH)
            )
        )
    paid = 0
    for refund_id in ids:
        try:
            paid += await pay(db, providers, refund_id, now=now, max_attempts=max_attempts)
        except Exception as exc:  # the lease runs out and a later pass retries it
            pass_failed(log, f"refund {refund_id} failed", exc)
    return paid


async def run_refunds(
    db: Database, providers: Providers, *, interval: float = 5.0,
    clock: Callable[[], datetime] = utcnow, max_attempts: int = MAX_ATTEMPTS,
) -> None:  # fmt: skip
    """Retry refunds left pending, every ``interval`` seconds until the app stops."""
    while True:
        try:
            await pay_due(db, providers, now=clock(), max_attempts=max_attempts)
        except Exception as exc:
            pass_failed(log, "refund pass failed", exc)
        await pause(interval)
