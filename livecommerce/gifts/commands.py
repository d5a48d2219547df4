"""Use cases of gifts: each opens its unit of work, calls the domain, emits, commits."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from livecommerce.accounts.tokens import Principal
from livecommerce.gifts import catalogue, platform, sending, settlement, wallet
from livecommerce.gifts.runtime import GiftRuntime
from livecommerce.gifts.views import GiftView, SendView, Sent
from livecommerce.loops import pass_failed, pause

log = logging.getLogger(__name__)


async def add_gift(gifts: GiftRuntime, *, caller: Principal, **fields: Any) -> GiftView:
    async with gifts.db.unit_of_work() as uow:
        return await catalogue.add_gift(uow.session, caller=caller, **fields)


async def edit_gift(
    gifts: GiftRuntime, *, caller: Principal, gift_id: int, **fields: Any
) -> GiftView:
    async with gifts.db.unit_of_work() as uow:
        return await catalogue.edit_gift(uow.session, caller=caller, gift_id=gift_id, **fields)


async def send_gift(
    gifts: GiftRuntime, *, caller: Principal, room_id: int, gift_id: int, quantity: int,
    key: str,
) -> Sent:  # fmt: skip
    """Send a gift once per Idempotency-Key: a replay answers the first send, billed once.

    Two requests with one key racing each other: the loser's insert breaks the unique
    (sender, key) and rolls back all it did; it then answers with the winner's send."""
    order = sending.SendOrder(caller.user_id, room_id, gift_id, quantity, key)
    try:
        async with gifts.db.unit_of_work() as uow:
            return await sending.send_gift(gifts, uow, order)
    except IntegrityError:
        async with gifts.db.unit_of_work() as uow:
            done = await sending.replay(uow, order)
        if done is None:
            raise
        return done


async def top_up(
    gifts: GiftRuntime, *, caller: Principal, amount_cents: int, key: str
) -> wallet.TopUp:
    """Top the caller's wallet up through the provider; once per Idempotency-Key."""
    async with gifts.db.read() as session:
        await wallet.check_top_up(session, gifts, user_id=caller.user_id,
                                  amount_cents=amount_cents)  # fmt: skip
        done = await wallet.earlier_top_up(session, caller.user_id, key)
    if done is not None:
        return done
    reference = wallet.top_up_reference(caller.user_id, key)
    charge = await wallet.provider_for(gifts).charge(reference=reference,
                                                     amount_cents=amount_cents)  # fmt: skip
    if not charge.confirmed:  # a real provider's webhook would book it
        return wallet.TopUp(reference, amount_cents, replayed=False)
    try:
        async with gifts.db.unit_of_work() as uow:
            return await wallet.credit_top_up(gifts, uow, user_id=caller.user_id, key=key,
                                              amount_cents=amount_cents)  # fmt: skip
    except IntegrityError:
        async with gifts.db.read() as session:
            done = await wallet.earlier_top_up(session, caller.user_id, key)
        if done is None:
            raise
        return done


async def reverse_send(gifts: GiftRuntime, *, caller: Principal, send_id: int) -> SendView:
    """The platform takes a gift back within its settlement delay: compensating postings."""
    platform.require_admin(caller)
    async with gifts.db.unit_of_work() as uow:
        send = await settlement.reverse(uow.session, gifts.accounts, send_id=send_id,
                                        now=gifts.clock())  # fmt: skip
        return SendView.of(send)


async def settle_due(gifts: GiftRuntime) -> int:
    """Settle every send past its delay, a batch per transaction; how many."""
    total = 0
    while True:
        async with gifts.db.unit_of_work() as uow:
            done = await settlement.settle_due(uow.session, gifts.accounts, now=gifts.clock())
        total += len(done)
        if len(done) < settlement.SETTLE_BATCH:
            return total


async def run_settlement(gifts: GiftRuntime, *, interval: float) -> None:
    """Every node runs this; the conditional UPDATE lets one node settle each send."""
    while True:
        await pause(interval)
        try:
            await settle_due(gifts)
        except Exception as exc:
            pass_failed(log, "gift settlement pass failed", exc)


async def set_minor(gifts: GiftRuntime, *, caller: Principal, user_id: int, minor: bool) -> None:
    async with gifts.db.unit_of_work() as uow:
        await platform.set_minor(uow.session, caller=caller, user_id=user_id, minor=minor)


async def mute_host(
    gifts: GiftRuntime, *, caller: Principal, host_id: int, until: datetime, reason: str
) -> None:
    async with gifts.db.unit_of_work() as uow:
        await platform.mute_host(uow.session, caller=caller, host_id=host_id, until=until,
                                 reason=reason)  # fmt: skip


async def unmute_host(gifts: GiftRuntime, *, caller: Principal, host_id: int) -> None:
    async with gifts.db.unit_of_work() as uow:
        await platform.unmute_host(uow.session, caller=caller, host_id=host_id)
