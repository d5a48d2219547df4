"""A winner claims their prize before ``claim_by``: the shipping address is recorded
on the pick and the zero-price order is settled (there is nothing to pay).

The buyers' address book lives in another branch (orders-tools); until it is merged the
address is the text the winner types, kept on the pick. Claiming twice is answered with
the first claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from livecommerce.accounts.tokens import Principal
from livecommerce.draws.lifecycle import PickStatus
from livecommerce.errors import ClaimExpired, InvalidInput, NotFound
from livecommerce.orders import prize as prize_orders
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import DrawWinner

MAX_ADDRESS = 500


def clean_address(text: str) -> str:
    address = " ".join(text.split())
    if not 1 <= len(address) <= MAX_ADDRESS:
        raise InvalidInput(f"a shipping address is 1-{MAX_ADDRESS} characters")
    return address


async def claim_prize(
    uow: UnitOfWork, *, caller: Principal, draw_id: int, address: str, now: datetime
) -> DrawWinner:
    address = clean_address(address)
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
        raise ClaimExpired("the claim window closed; the prize went to the next entrant")
    result = await uow.session.execute(
        update(DrawWinner)
        .where(DrawWinner.id == pick.id, DrawWinner.status == PickStatus.WON)
        .values(status=PickStatus.CLAIMED, claimed_at=now, claim_address=address)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):  # a redraw forfeited it a moment ago
        raise ClaimExpired("the claim window closed; the prize went to the next entrant")
    if pick.order_id is not None:
        await prize_orders.settle_prize_order(uow, order_id=pick.order_id)
    await uow.session.refresh(pick)
    return pick
