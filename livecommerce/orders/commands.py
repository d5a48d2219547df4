"""Use cases that cross into the stock gate: schedule and cancel a deal, end a show.

Each opens its unit of work, calls the domains in order, and does the gate's part after
the commit. The database is the authority, so a gate that cannot be reached afterwards
costs speed, never correctness: the next rebuild (or the first attempt the database
refuses) brings it in line.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime
from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import Unavailable
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import fresh_gate
from livecommerce.orders.reconcile import reconcile_sale
from livecommerce.rooms import service as rooms
from livecommerce.rooms.views import RoomView
from livecommerce.sales import service as sales
from livecommerce.sales.views import SaleView
from livecommerce.storage.models import utcnow

log = logging.getLogger(__name__)


async def schedule_deal(
    checkout: Checkout, *, caller: Principal, room_id: int, **terms: Any
) -> SaleView:
    """Schedule a flash deal; its gate is loaded ahead of the start, so the first
    second's buyers meet a ready gate."""
    async with checkout.db.unit_of_work() as uow:
        sale = await sales.schedule_sale(uow, caller=caller, room_id=room_id, **terms)
    try:
        await checkout.gate.load(fresh_gate(sale))
    except Unavailable:
        checkout.gate_stale = True  # the first attempt loads it from the database
    return sale


async def cancel_deal(checkout: Checkout, *, caller: Principal, sale_id: int) -> SaleView:
    async with checkout.db.unit_of_work() as uow:
        sale = await sales.cancel_sale(uow, caller=caller, sale_id=sale_id)
    with suppress(Unavailable):  # the database refuses it anyway, and the gate follows
        await checkout.gate.drop(sale.ref)
    return sale


async def end_show(
    checkout: Checkout, *, caller: Principal, room_id: int, now: datetime | None = None
) -> RoomView:
    """End the show: its live deals end with it and its upcoming ones are cancelled,
    in the same transaction; then their gates are reloaded."""
    async with checkout.db.unit_of_work() as uow:
        room = await rooms.end_room(uow, caller=caller, room_id=room_id)
        closed = await sales.close_room_sales(uow, room_id=room_id, now=now or utcnow())
    # The show has ended whatever the gate says: the database refuses every purchase on
    # a closed deal. Reloading the gates only lets it refuse them before the database.
    try:
        for sale_id in closed:
            await reconcile_sale(checkout, sale_id)
    except Unavailable:
        checkout.gate_stale = True  # rebuilt as soon as the gate answers
    return room
