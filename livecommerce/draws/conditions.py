"""Who meets a draw's entry condition: one function per condition a draw may use.

``QUALIFIERS`` is the one place a condition is enabled: ``check_terms`` refuses any
condition missing here (``draw_condition_unavailable``), and the close asks it who
qualified.

``follow`` is read at the close, not at entry: the close is when every condition is
judged (presence too), a viewer who follows while the draw is open (the card's "follow to
enter") is in without any entry to record, and one who unfollows before the close is out,
so a follow can not be traded for a ticket and dropped. Following the room's host or its
shop counts, as both are what a viewer follows (``follows.following.FOLLOWABLE``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livecommerce.draws.entries import Gathered
from livecommerce.draws.lifecycle import Condition
from livecommerce.errors import DrawConditionUnavailable
from livecommerce.follows import following
from livecommerce.orders import prize as prize_orders
from livecommerce.rooms.service import load_room
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Draw

Qualifier = Callable[[UnitOfWork, Draw, Gathered], Awaitable[set[int]]]


async def _keyword(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    return gathered.keyword


async def _watch(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    return {u for u, seconds in gathered.watched.items() if seconds >= draw.watch_seconds}


async def _purchase(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    room = await load_room(uow.session, draw.room_id)
    since = room.started_at or draw.created_at
    return await prize_orders.buyers_in_room(uow, room_id=draw.room_id, since=since)


async def _follow(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    room = await load_room(uow.session, draw.room_id)
    followees = [room.host_id, room.merchant_id]
    return await following.followers_among(uow.session, followees, gathered.present)


QUALIFIERS: dict[str, Qualifier] = {
    Condition.KEYWORD: _keyword,
    Condition.WATCH: _watch,
    Condition.FOLLOW: _follow,
    Condition.PURCHASE: _purchase,
}


def require_available(condition: str) -> None:
    """Refuse a declared condition that no qualifier backs."""
    if condition in set(Condition) and condition not in QUALIFIERS:
        raise DrawConditionUnavailable(f"{condition} is not an entry condition yet")


async def qualified(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    return await QUALIFIERS[draw.condition](uow, draw, gathered)
