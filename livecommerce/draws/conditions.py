"""Who meets a draw's entry condition: one function per condition a draw may use.

``QUALIFIERS`` is the one place a condition is enabled: ``check_terms`` refuses any
condition missing here (``draw_condition_unavailable``), and the close asks it who
qualified. ``follow`` is declared (``lifecycle.Condition``, the table's CHECK) but has no
qualifier until follows exist; enabling it is one entry here, e.g.
``Condition.FOLLOW: _followers`` reading the room's merchant's followers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livecommerce.draws.entries import Gathered
from livecommerce.draws.lifecycle import Condition
from livecommerce.errors import DrawConditionUnavailable
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


QUALIFIERS: dict[str, Qualifier] = {
    Condition.KEYWORD: _keyword,
    Condition.WATCH: _watch,
    Condition.PURCHASE: _purchase,
}


def require_available(condition: str) -> None:
    """Refuse a declared condition that no qualifier backs yet (``follow``)."""
    if condition in set(Condition) and condition not in QUALIFIERS:
        raise DrawConditionUnavailable(f"{condition} is not an entry condition yet")


async def qualified(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    return await QUALIFIERS[draw.condition](uow, draw, gathered)
