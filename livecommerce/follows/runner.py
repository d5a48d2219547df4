"""The two loops every node runs for follows: reminder rounds and webhook deliveries."""

from __future__ import annotations

import logging

from livecommerce.follows import commands
from livecommerce.follows.desk import Follows
from livecommerce.loops import pass_failed, pause

log = logging.getLogger(__name__)


async def rounds_forever(desk: Follows) -> None:
    while True:
        try:
            await commands.fire_due_rounds(desk)
        except Exception as exc:
            pass_failed(log, "reminder rounds failed", exc)
        await pause(desk.tick)


async def deliveries_forever(desk: Follows) -> None:
    while True:
        try:
            sent = await commands.send_due_deliveries(desk)
        except Exception as exc:
            pass_failed(log, "webhook deliveries failed", exc)
            sent = 0
        await pause(0 if sent else desk.tick)  # a full batch goes straight on
