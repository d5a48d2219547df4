"""Baseline for the gift benchmark: the textbook send, on the same tables.

``SELECT ... FOR UPDATE`` on the sender's wallet row and on the host's single balance
row, a replay looked up under the wallet's lock, the wallet's balance recomputed with
``SUM`` over its postings, the postings written and the host's counter updated in
place. Every send of the room queues on the host's row: that is what the real path
(insert-only postings, the host's balance a sum of rows) avoids.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from livecommerce.gifts import ledger
from livecommerce.gifts.runtime import GiftRuntime
from livecommerce.storage.db import Database
from livecommerce.storage.gift_models import Gift, GiftSend, LedgerAccount, LedgerPosting, Wallet
from livecommerce.storage.models import Room

COUNTER = "bench_balance"
"""The naive path's stored host balance: a column the bench adds and drops again."""


async def add_counter(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.session.execute(text(
            f"ALTER TABLE ledger_account ADD COLUMN IF NOT EXISTS {COUNTER} bigint "
            "NOT NULL DEFAULT 0"
        ))  # fmt: skip


async def drop_counter(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await uow.session.execute(
            text(f"ALTER TABLE ledger_account DROP COLUMN IF EXISTS {COUNTER}")
        )


async def counter(db: Database, account_id: int) -> int:
    async with db.read() as s:
        found = await s.scalar(
            text(f"SELECT {COUNTER} FROM ledger_account WHERE id = :id"), {"id": account_id}
        )
    return int(found or 0)


async def naive_send(gifts: GiftRuntime, sender: int, room_id: int, gift_id: int,
                     key: str) -> bool:  # fmt: skip
    """One send the textbook way; True when ``key`` had already sent it (a replay)."""
    async with gifts.db.unit_of_work() as uow:
        s = uow.session
        wallet = (await s.execute(select(Wallet).where(Wallet.user_id == sender)
                                  .with_for_update())).scalar_one()  # fmt: skip
        done = await s.scalar(select(GiftSend.id).where(
            GiftSend.sender_id == sender, GiftSend.idempotency_key == key))  # fmt: skip
        if done is not None:
            return True
        room = await s.get(Room, room_id)
        gift = await s.get(Gift, gift_id)
        assert room is not None and gift is not None
        code = ledger.code_of(ledger.HOST_PAYABLE, room.host_id)
        host = (await s.execute(select(LedgerAccount).where(LedgerAccount.code == code)
                                .with_for_update())).scalar_one()  # fmt: skip
        held = await s.scalar(select(func.coalesce(func.sum(LedgerPosting.amount_cents), 0))
                              .where(LedgerPosting.account_id == wallet.account_id))  # fmt: skip
        amount, fee = gift.price_cents, gifts.policy.fee(gift.price_cents)
        assert int(held or 0) >= amount
        fee_acc = await ledger.account_id(s, gifts.accounts, ledger.PLATFORM_FEE)
        transfer = await ledger.post(s, kind="gift", reference=f"gift:{sender}:{key}",
                                     postings={wallet.account_id: -amount,
                                               host.id: amount - fee, fee_acc: fee})  # fmt: skip
        wallet.balance_cents -= amount
        await s.execute(text(f"UPDATE ledger_account SET {COUNTER} = {COUNTER} + :n "
                             "WHERE id = :id"), {"n": amount - fee, "id": host.id})  # fmt: skip
        now = datetime.now(UTC)
        settle = now + gifts.policy.settle_after
        s.add(GiftSend(sender_id=sender, idempotency_key=key, room_id=room_id,
                       host_id=room.host_id, gift_id=gift_id, quantity=1, amount_cents=amount,
                       fee_cents=fee, status="pending", settle_after=settle,
                       transfer_id=transfer, created_at=now))  # fmt: skip
        return False
