"""This node's chat writer: messages arriving together share one transaction.

At 100 messages a second a transaction per message meant ~500 database round trips a
second, each waiting for an event-loop turn on a node that is also writing frames to
thousands of sockets, and chat fell seconds behind. Here a message waits only for the
batch in flight, then goes with everything that queued meanwhile: the busier the room,
the bigger the batch, the fewer round trips per message. A caller is answered after the
commit (and its ``chat.posted`` event), as before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from livecommerce.accounts.tokens import Principal
from livecommerce.coalesce import Coalescer
from livecommerce.rooms.chat import ChatRequest, ChatView, post_messages
from livecommerce.storage.db import Database

log = logging.getLogger(__name__)

MAX_BATCH = 200


class ChatPoster:
    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._batches: Coalescer[ChatRequest, ChatView] = Coalescer(max_batch=max_batch)
        self.batches = 0

    async def post(self, caller: Principal, room_id: int, body: str) -> ChatView:
        """Post one message; raises its refusal (a DomainError) like ``post_message``."""
        return await self._batches.submit("chat", ChatRequest(caller, room_id, body), self._write)

    async def close(self) -> None:
        """Let the batch in flight finish (shutdown)."""
        await self._batches.idle()

    async def _write(self, batch: Sequence[ChatRequest]) -> list[ChatView | Exception]:
        self.batches += 1
        try:
            async with self._db.unit_of_work() as uow:
                return [*await post_messages(uow, batch)]
        except Exception as exc:
            log.exception("chat batch of %d failed", len(batch))
            return [exc] * len(batch)
