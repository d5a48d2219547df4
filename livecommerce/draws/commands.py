"""Use cases of lucky draws: start, close (when due), claim, pass an unclaimed prize on,
and the node's draw loop that runs the timed ones."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from livecommerce.accounts.tokens import Principal
from livecommerce.draws import closing
from livecommerce.draws.claims import claim_prize
from livecommerce.draws.desk import FLUSH, PASS_ON_EVERY, PRESENT_WINDOW, REFRESH, DrawDesk
from livecommerce.draws.entries import DrawRef
from livecommerce.draws.service import DrawTerms, get_draw, open_draw_id, start_draw
from livecommerce.draws.views import DrawView, PickView
from livecommerce.errors import DrawActive
from livecommerce.loops import pass_failed
from livecommerce.storage.models import Draw
from livecommerce.supervisor import pause

log = logging.getLogger(__name__)


async def start(desk: DrawDesk, *, caller: Principal, room_id: int, terms: DrawTerms) -> DrawView:
    try:
        async with desk.db.unit_of_work() as uow:
            view = await start_draw(
                uow, caller=caller, room_id=room_id, terms=terms, now=desk.now()
            )
    except IntegrityError:
        # Another node opened one between our check and our insert (the unique index).
        async with desk.db.unit_of_work() as uow:
            if await open_draw_id(uow, room_id) is None:
                raise
        raise DrawActive("this room already has an open draw") from None
    desk.learn(view.draw)
    return view


async def close(
    desk: DrawDesk, ref: DrawRef, *, now: datetime | None = None
) -> list[PickView] | None:
    """Close one draw from what its entries gathered; None if it was closed elsewhere."""
    async with desk.db.read() as session:
        draw = await session.get(Draw, ref.draw_id)
    if draw is None:
        return None
    since = draw.closes_at.timestamp() - PRESENT_WINDOW
    gathered = await desk.entries.gather(ref, present_since=since)
    async with desk.db.unit_of_work() as uow:
        picks = await closing.close_draw(
            uow, draw_id=ref.draw_id, gathered=gathered, now=now or desk.now()
        )
    desk.forget(ref)
    if picks is not None:
        await desk.entries.forget(ref)
    return picks


async def close_due(desk: DrawDesk) -> int:
    closed = 0
    for ref in desk.due():
        closed += await close(desk, ref) is not None
    return closed


async def pass_on_due(desk: DrawDesk, *, now: datetime | None = None) -> int:
    """Forfeit the picks whose claim window closed; each prize goes to the next entrant."""
    now = now or desk.now()
    async with desk.db.unit_of_work() as uow:
        due = await closing.due_picks(uow, now=now)
    passed = 0
    for pick_id in due:
        async with desk.db.unit_of_work() as uow:
            passed += await closing.pass_on(uow, pick_id=pick_id, now=now)
    return passed


async def claim(
    desk: DrawDesk, *, caller: Principal, draw_id: int, address_id: int | None
) -> DrawView:
    """Claim a won product; it ships to ``address_id``, else the winner's default."""
    async with desk.db.unit_of_work() as uow:
        await claim_prize(
            uow, caller=caller, draw_id=draw_id, address_id=address_id, now=desk.now()
        )
    async with desk.db.read() as session:
        return await get_draw(session, draw_id)


async def run_desk(desk: DrawDesk) -> None:
    """The node's draw loop: flush entries, beat presence, refresh, close, pass on."""
    last_refresh = last_pass = 0.0
    while True:
        now = time.monotonic()
        try:
            if now - last_refresh >= REFRESH:
                await desk.refresh()
                last_refresh = now
            await desk.flush()
            await desk.beat()
            await close_due(desk)
            if now - last_pass >= PASS_ON_EVERY:
                await pass_on_due(desk)
                last_pass = now
        except Exception as exc:
            pass_failed(log, "draw loop pass failed", exc)
        await pause(FLUSH)
