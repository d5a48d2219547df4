"""The demo's live room goes on by itself: the host pins the shelf's products in turn and
a demo viewer chats, so a minute of it replays with the card changing and chat in time.

Both go through the same use cases as the studio and the room's WebSocket; the show
stops when the room is no longer live (the newcomer ended it in the studio)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import DomainError
from livecommerce.loops import pause
from livecommerce.resources import Resources
from livecommerce.rooms import commands as rooms
from livecommerce.rooms.service import room_detail

log = logging.getLogger(__name__)

PIN_EVERY = 15.0
"""Seconds each product stays pinned: a minute of the demo shows four of them."""
CHATS_PER_PIN = 3
LINES = (
    "大家好！Hello from Hangzhou",
    "How much is the tea? 多少钱？",
    "Just ordered 已下单 ✨",
    "Can you show the colour again? 再看看颜色",
    "Is there a deal today? 有秒杀吗",
    "Looks great 好看！",
)


async def run_show(
    resources: Resources,
    *,
    room_id: int,
    host: Principal,
    viewer: Principal,
    pin_every: float = PIN_EVERY,
) -> None:
    """Pin the shelf's next product every ``pin_every`` seconds and chat between pins,
    until the room ends (any refusal of a pin or a message ends the show quietly)."""
    async with resources.db.read() as session:
        product_ids = [p.id for p in (await room_detail(session, room_id)).shelf]
    await _pin_and_chat(resources, room_id, host, viewer, product_ids, pin_every)


async def _pin_and_chat(
    resources: Resources,
    room_id: int,
    host: Principal,
    viewer: Principal,
    product_ids: Sequence[int],
    pin_every: float,
) -> None:
    step = 0
    try:
        while True:
            for n in range(CHATS_PER_PIN):
                await pause(pin_every / CHATS_PER_PIN)
                line = LINES[(step * CHATS_PER_PIN + n) % len(LINES)]
                await resources.chat.post(viewer, room_id, line)
            step += 1
            product = product_ids[step % len(product_ids)]
            await rooms.pin(resources.db, caller=host, room_id=room_id, product_id=product)
    except DomainError as exc:  # the show ended, or the room went away
        log.info("demo show stopped", extra={"room": room_id, "reason": str(exc)})
