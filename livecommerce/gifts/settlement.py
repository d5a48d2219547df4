"""A gift's money after the send: payable to the host, then settled or reversed.

::

    pending --(settlement delay passed, the loop)--> settled
    pending --(platform reverses, within the delay)--> reversed

While ``pending`` the host's share sits in ``host_payable``; settling moves it to
``host_available``; reversing writes the send's postings back with opposite signs (the
viewer's wallet is repaid, the payable and the fee give theirs back). Each move is a
conditional UPDATE on the status, so one node performs it however many try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import IllegalTransition, NotFound
from livecommerce.gifts import ledger
from livecommerce.storage.gift_models import GiftSend, LedgerPosting

PENDING, SETTLED, REVERSED = "pending", "settled", "reversed"
STATUSES = (PENDING, SETTLED, REVERSED)
SETTLE_BATCH = 200


@dataclass(frozen=True, slots=True)
class Settled:
    send_id: int
    host_id: int
    net_cents: int


async def settle_due(session: AsyncSession, known: ledger.Known, *, now: datetime) -> list[Settled]:
    """Settle up to a batch of pending sends whose delay has passed."""
    due = (
        select(GiftSend.id)
        .where(GiftSend.status == PENDING, GiftSend.settle_after <= now)
        .order_by(GiftSend.id)
        .limit(SETTLE_BATCH)
    )
    rows = await session.execute(
        update(GiftSend)
        .where(GiftSend.id.in_(due.scalar_subquery()), GiftSend.status == PENDING)
        .values(status=SETTLED)
        .returning(GiftSend.id, GiftSend.host_id, GiftSend.amount_cents - GiftSend.fee_cents)
        .execution_options(synchronize_session=False)
    )
    done = [Settled(int(i), int(h), int(n)) for i, h, n in rows]
    for one in done:
        payable = await ledger.account_id(
            session, known, ledger.code_of(ledger.HOST_PAYABLE, one.host_id), user_id=one.host_id
        )
        available = await ledger.account_id(
            session, known, ledger.code_of(ledger.HOST_AVAILABLE, one.host_id),
            user_id=one.host_id,
        )  # fmt: skip
        await ledger.post(
            session, kind="settlement", reference=f"settle:{one.send_id}",
            postings={payable: -one.net_cents, available: one.net_cents},
        )  # fmt: skip
    return done


async def reverse(
    session: AsyncSession, known: ledger.Known, *, send_id: int, now: datetime
) -> GiftSend:
    """Undo a pending send with compensating postings; the sender's wallet is repaid."""
    moved = (
        await session.execute(
            update(GiftSend)
            .where(GiftSend.id == send_id, GiftSend.status == PENDING)
            .where(GiftSend.settle_after > now)
            .values(status=REVERSED)
            .returning(GiftSend.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    send = await session.get(GiftSend, send_id, populate_existing=True)
    if send is None:
        raise NotFound(f"gift send {send_id} not found")
    if moved is None:
        why = "its settlement delay has passed" if send.status == PENDING else send.status
        raise IllegalTransition(f"gift send {send_id} cannot be reversed: {why}")
    postings = await session.execute(
        select(LedgerPosting.account_id, LedgerPosting.amount_cents).where(
            LedgerPosting.transfer_id == send.transfer_id
        )
    )
    await ledger.post(
        session, kind="reversal", reference=f"reverse:{send_id}",
        postings={acc: -int(cents) for acc, cents in postings},
    )  # fmt: skip
    await ledger.credit_wallet(session, known, send.sender_id, send.amount_cents)
    return send
