"""This node's chat writer: messages arriving together share one transaction.

At 100 messages a second a transaction per message meant ~500 database round trips a
second, each waiting for an event-loop turn on a node that is also writing frames to
thousands of sockets, and chat fell seconds behind. Here a message waits only for the
batch in flight, then goes with everything that queued meanwhile: the busier the room,
the bigger the batch, the fewer round trips per message. A caller is answered after the
commit (and its ``chat.posted`` event), as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from livecommerce.accounts.tokens import Principal
from livecommerce.rooms.chat import ChatRequest, ChatView, post_messages
from livecommerce.storage.db import Database

log = logging.getLogger(__name__)

MAX_BATCH = 200


class ChatPoster:
    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: list[tuple[ChatRequest, asyncio.Future[ChatView]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0

    async def post(self, caller: Principal, room_id: int, body: str) -> ChatView:
        """Post one message; raises its refusal (a DomainError) like ``post_message``."""
        answer: asyncio.Future[ChatView] = asyncio.get_running_loop().create_future()
        self._queue.append((ChatRequest(caller, room_id, body), answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="chat-writer")
        return await answer

    async def close(self) -> None:
        """Let the batch in flight finish (shutdown)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer

    async def _write(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            results: list[ChatView | Exception]
            try:
                async with self._db.unit_of_work() as uow:
                    results = [*await post_messages(uow, [request for request, _ in batch])]
            except Exception as exc:
                log.exception("chat batch of %d failed", len(batch))
                results = [exc] * len(batch)
            self.batches += 1
            for (_, answer), result in zip(batch, results, strict=True):
                if answer.done():
                    continue  # the sender went away; the message stands
                if isinstance(result, BaseException):
                    answer.set_exception(result)
                else:
                    answer.set_result(result)
