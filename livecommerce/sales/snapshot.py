"""The ``room.snapshot`` a viewer gets on a first join or when its resume is too old.

It lives with the flash sales, not the rooms, because it shows the room's open deals:
sales sit above rooms (rooms never import sales), so this is the lowest place that sees
both.

Rule (tested): the snapshot taken at seq N, with the room's events after N applied,
equals the snapshot taken at the end. The hub reads N *before* this module reads the
database, so every event up to N is already in what is read here; events after N may be
too, and clients apply them idempotently (by message id, sale id, absolute values).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.rooms.chat import recent_messages
from livecommerce.rooms.service import load_room, room_detail
from livecommerce.sales.service import list_room_sales


async def room_snapshot(
    session: AsyncSession,
    room_id: int,
    *,
    seq: int,
    viewers: int,
    likes: int,
    server_time_ms: int,
) -> dict[str, Any]:
    """Everything a client needs to draw the room, as of ``seq``."""
    room = await load_room(session, room_id)
    detail = await room_detail(session, room_id)
    sales = await list_room_sales(session, room_id, open_only=True)
    chat = await recent_messages(session, room_id)
    return {
        "room": detail.as_dict(),
        "sales": [sale.as_dict() for sale in sales],
        "chat": [message.as_dict() for message in chat],
        "slow_mode_seconds": room.slow_mode_seconds,
        "viewers": viewers,
        "likes": likes,
        "seq": seq,
        "server_time": server_time_ms,
    }
