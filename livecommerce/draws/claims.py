"""A winner claims a product prize before ``claim_by``: the zero-price order ships to an
address of the winner's address book (the one named, else the default) and is settled
(there is nothing to pay), after which the merchant ships it like any paid order.

A coupon prize needs no claim: the pick is claimed when the coupon is granted at the
close. Claiming twice is answered with the first claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from livecommerce.accounts.tokens import Principal
from livecommerce.draws.lifecycle import PickStatus
from livecommerce.errors import ClaimExpired, NotFound
from livecommerce.orders import prize as prize_orders
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import DrawWinner

EXPIRED = "the claim window closed; the prize went to the next entrant"


async def claim_prize(
    uow: UnitOfWork, *, caller: Principal, draw_id: int, address_id: int | None, now: datetime
) -> DrawWinner:
    pick = await uow.session.scalar(
        select(DrawWinner).where(
            DrawWinner.draw_id == draw_id, DrawWinner.user_id == caller.user_id
        )
    )
    if pick is None:
        raise NotFound("you have no prize in this draw")
    if pick.status == PickStatus.CLAIMED:
        return pick
    if pick.status == PickStatus.FORFEITED or pick.claim_by <= now:
        raise ClaimExpired(EXPIRED)
    result = await uow.session.execute(
        update(DrawWinner)
        .where(DrawWinner.id == pick.id, DrawWinner.status == PickStatus.WON)
        .values(status=PickStatus.CLAIMED, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):  # a redraw forfeited it a moment ago
        raise ClaimExpired(EXPIRED)
    if pick.order_id is not None and not await prize_orders.settle_prize_order(
        uow, order_id=pick.order_id, buyer_id=caller.user_id, address_id=address_id, now=now
    ):
        raise ClaimExpired("the prize's order is no longer waiting to be claimed")
    await uow.session.refresh(pick)
    return pick
