"""Sending a gift: every check, the bill and the room's event, in one unit of work.

Order matters. The refusals that need no lock come first (a minor, an unknown gift, a
muted host, the per-send cap). Then the wallet is debited with a conditional UPDATE,
which also holds the wallet's row until the commit: two sends of one wallet meet there,
one after the other, so the daily and monthly sums read after it include the previous
send and a wallet is never overdrawn. Then the postings and the send row; the event is
emitted on the same unit of work, so it is published only if all of it committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import (
    Conflict,
    GiftDailyLimit,
    GiftMonthlyLimit,
    GiftOverCap,
    HostGiftMuted,
    KeyReused,
    MinorCannotGift,
    NotFound,
    UnknownGift,
)
from livecommerce.gifts import ledger, settlement
from livecommerce.gifts.combos import Folded
from livecommerce.gifts.events import GiftReceipt, GiftSent
from livecommerce.gifts.runtime import GiftRuntime
from livecommerce.gifts.views import SendView, Sent
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.gift_models import Gift, GiftMute, GiftSend
from livecommerce.storage.models import Room, User


@dataclass(frozen=True, slots=True)
class SendOrder:
    sender_id: int
    room_id: int
    gift_id: int
    quantity: int
    key: str


def day_and_month(now: datetime) -> tuple[datetime, datetime]:
    """Where the current UTC day and calendar month began (the limits' windows)."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


async def replay(uow: UnitOfWork, order: SendOrder) -> Sent | None:
    """The send an Idempotency-Key already made, or None; another purchase is refused."""
    send = await uow.session.scalar(
        select(GiftSend).where(
            GiftSend.sender_id == order.sender_id, GiftSend.idempotency_key == order.key
        )
    )
    if send is None:
        return None
    if (send.room_id, send.gift_id, send.quantity) != (order.room_id, order.gift_id,
                                                       order.quantity):  # fmt: skip
        raise KeyReused("this Idempotency-Key already sent a different gift")
    return Sent(SendView.of(send), replayed=True)


async def _room_and_gift(uow: UnitOfWork, order: SendOrder, now: datetime) -> tuple[Room, Gift]:
    session = uow.session
    room = await session.get(Room, order.room_id)
    if room is None:
        raise NotFound(f"room {order.room_id} not found")
    if room.status == RoomStatus.ENDED:
        raise Conflict("the show has ended; gifts go to a show that is on or coming up")
    gift = await session.get(Gift, order.gift_id)
    if gift is None or not gift.active or gift.merchant_id != room.merchant_id:
        raise UnknownGift(f"gift {order.gift_id} is not in this room's catalogue")
    until = await session.scalar(select(GiftMute.until).where(GiftMute.host_id == room.host_id))
    if until is not None and until > now:
        stamp = until.isoformat(timespec="seconds").replace("+00:00", "Z")
        raise HostGiftMuted(f"this host cannot receive gifts until {stamp}")
    return room, gift


async def spent(session: AsyncSession, sender_id: int, now: datetime) -> tuple[int, int]:
    """What the sender spent on gifts (not reversed) today and this month."""
    day, month = day_and_month(now)
    amount = func.sum(GiftSend.amount_cents)
    row = (
        await session.execute(
            select(amount.filter(GiftSend.created_at >= day), amount).where(
                GiftSend.sender_id == sender_id,
                GiftSend.status != settlement.REVERSED,
                GiftSend.created_at >= month,
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def _check_limits(
    gifts: GiftRuntime, uow: UnitOfWork, sender_id: int, amount: int, now: datetime
) -> None:
    today, this_month = await spent(uow.session, sender_id, now)
    policy = gifts.policy
    if today + amount > policy.max_per_day:
        raise GiftDailyLimit(f"gifts today would pass the daily limit of {policy.max_per_day}")
    if this_month + amount > policy.max_per_month:
        raise GiftMonthlyLimit(
            f"gifts this month would pass the monthly limit of {policy.max_per_month}"
        )


async def send_gift(gifts: GiftRuntime, uow: UnitOfWork, order: SendOrder) -> Sent:
    """Bill and announce one send (see the module's note for the order of the checks)."""
    now = gifts.clock()
    done = await replay(uow, order)
    if done is not None:
        return done
    session = uow.session
    sender = await session.get(User, order.sender_id)
    if sender is None:
        raise NotFound("no such user")
    if sender.is_minor:
        raise MinorCannotGift("accounts of minors cannot send gifts")
    room, gift = await _room_and_gift(uow, order, now)
    amount = gift.price_cents * order.quantity
    if amount > gifts.policy.max_per_send:
        raise GiftOverCap(f"one send may cost at most {gifts.policy.max_per_send}")
    wallet = await ledger.debit_wallet(session, order.sender_id, amount)
    await _check_limits(gifts, uow, order.sender_id, amount, now)
    fee = gifts.policy.fee(amount)
    known, host = gifts.accounts, room.host_id
    payable = await ledger.account_id(
        session, known, ledger.code_of(ledger.HOST_PAYABLE, host), user_id=host
    )
    platform = await ledger.account_id(session, known, ledger.PLATFORM_FEE)
    transfer = await ledger.post(
        session, kind="gift", reference=f"gift:{order.sender_id}:{order.key}",
        postings={wallet: -amount, payable: amount - fee, platform: fee},
    )  # fmt: skip
    send = GiftSend(
        sender_id=order.sender_id, idempotency_key=order.key, room_id=room.id, host_id=host,
        gift_id=gift.id, quantity=order.quantity, amount_cents=amount, fee_cents=fee,
        status=settlement.PENDING, settle_after=now + gifts.policy.settle_after,
        transfer_id=transfer, created_at=now,
    )  # fmt: skip
    session.add(send)
    await session.flush()
    _announce(gifts, uow, send, sender.display_name, gift)
    return Sent(SendView.of(send), replayed=False)


def _announce(
    gifts: GiftRuntime, uow: UnitOfWork, send: GiftSend, sender_name: str, gift: Gift
) -> None:
    if gifts.rate.one_by_one(send.room_id):
        uow.emit(send.room_id, GiftSent(
            send_id=send.id, sender_id=send.sender_id, sender_name=sender_name,
            gift_id=gift.id, gift_name=gift.name, image_url=gift.image_url,
            quantity=send.quantity,
        ))  # fmt: skip
        return
    uow.emit_to(send.room_id, send.sender_id, GiftReceipt(
        send_id=send.id, gift_id=gift.id, gift_name=gift.name, image_url=gift.image_url,
        quantity=send.quantity,
    ))  # fmt: skip
    folded = Folded(send.room_id, send.sender_id, sender_name, gift.id, gift.name,
                    gift.image_url, send.quantity)  # fmt: skip

    async def record() -> None:
        gifts.combos.record(folded)

    uow.after_commit(record)
