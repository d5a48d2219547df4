"""The loop that moves flash sales along their lifecycle as the clock and stock dictate.

Every node runs it. Each transition is claimed with ``UPDATE ... WHERE status = <from>``,
so however many nodes see the same due sale, exactly one moves it and publishes the
event; the others' updates match no row and they stay quiet.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, or_, select

from livecommerce.loops import pass_failed, pause
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.sales import events
from livecommerce.sales.lifecycle import SaleStatus, due_transition
from livecommerce.sales.service import claim_transition, close_sale_stock
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import Database
from livecommerce.storage.models import FlashSale, Room, utcnow

log = logging.getLogger(__name__)

EVENTS: dict[SaleStatus, type[events.SaleMoved]] = {
    SaleStatus.LIVE: events.SaleStarted,
    SaleStatus.CANCELLED: events.SaleCancelled,
    SaleStatus.SOLD_OUT: events.SaleSoldOut,
    SaleStatus.ENDED: events.SaleEnded,
}
BATCH = 200


def event_for(current: SaleStatus, target: SaleStatus, sale: SaleView) -> events.SaleMoved:
    """The event of a clock- or stock-driven edge (sold_out -> live is a restock)."""
    if current is SaleStatus.SOLD_OUT and target is SaleStatus.LIVE:
        return events.SaleRestocked(sale=sale.data())
    return EVENTS[target](sale=sale.data())


async def _due_sales(db: Database, now: datetime) -> list[tuple[SaleView, bool]]:
    """Sales with a move due, each with whether its show is live."""
    s = FlashSale
    moving = [SaleStatus.LIVE.value, SaleStatus.SOLD_OUT.value]
    live = Room.status == RoomStatus.LIVE.value
    query = (
        select(s, live)
        .join(Room, Room.id == s.room_id)
        .where(or_(
            and_(s.status == SaleStatus.SCHEDULED.value, s.starts_at <= now, live),
            and_(s.status == SaleStatus.SCHEDULED.value, s.ends_at <= now),
            and_(s.status.in_(moving), s.ends_at <= now),
            and_(s.status == SaleStatus.LIVE.value, s.sold >= s.quantity),
            and_(s.status == SaleStatus.SOLD_OUT.value, s.sold < s.quantity),
        ))
    )  # fmt: skip
    async with db.read() as session:
        rows = await session.execute(query.order_by(s.id).limit(BATCH))
        return [(SaleView.of(sale), bool(room_live)) for sale, room_live in rows]


async def advance_sales(db: Database, *, now: datetime) -> list[tuple[int, SaleStatus]]:
    """Perform every transition due at ``now`` that this node wins; return them."""
    moved: list[tuple[int, SaleStatus]] = []
    for sale, room_live in await _due_sales(db, now):
        current = SaleStatus(sale.status)
        target = due_transition(
            current, now=now, starts_at=sale.starts_at, ends_at=sale.ends_at,
            sold=sale.sold, quantity=sale.quantity, room_live=room_live,
        )  # fmt: skip
        if target is None:
            continue
        async with db.unit_of_work() as uow:
            if not await claim_transition(uow.session, sale.id, current, target):
                continue
            if target in (SaleStatus.ENDED, SaleStatus.CANCELLED):
                await close_sale_stock(uow.session, sale.id)
            view = dataclasses.replace(sale, status=target.value)
            uow.emit(sale.room_id, event_for(current, target, view))
        moved.append((sale.id, target))
    return moved


async def run_scheduler(
    db: Database, *, interval: float = 0.5, clock: Callable[[], datetime] = utcnow
) -> None:
    """Advance due sales every ``interval`` seconds until cancelled."""
    while True:
        try:
            # A missed window walks live then ended: loop until nothing more is due.
            while await advance_sales(db, now=clock()):
                pass
        except Exception as exc:
            pass_failed(log, "flash-sale scheduler pass failed", exc)
        await pause(interval)
