"""The scaled shape's broker: Redis Streams for the log, one pub/sub channel for news.

Every node holds exactly one subscription, to ``Keys.events_channel()``, whatever the
number of rooms and viewers (encode/broadcaster's one listener per process). The append
script publishes the event's bytes on that channel in the same atomic step that gives
it its seq, so every node hears each room's events in seq order. A node that loses its
subscription resubscribes and asks the hub to resync from the logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from livecommerce.hub._tasks import cancel_and_wait
from livecommerce.hub.broker import Deliver, DeliverPrivate, Resync
from livecommerce.hub.event import NO_EXTRA, Event, Extra, parse_event
from livecommerce.hub.redis_log import RedisLog, as_bytes

log = logging.getLogger(__name__)


class RedisBroker:
    def __init__(
        self,
        redis: Redis,
        channel: str,
        log: RedisLog,
        *,
        private_channel: str,
        retry: float = 1.0,
    ) -> None:
        self._redis = redis
        self._channel = channel
        # Same subscription, second channel: still one pub/sub connection per node.
        self._private = private_channel
        self.on_private: DeliverPrivate | None = None
        self._log = log
        self._retry = retry
        self._task: asyncio.Task[None] | None = None

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        # Subscribe before returning, so an event published right after start is heard.
        pubsub = await self._subscribe()
        self._task = asyncio.create_task(self._run(pubsub, deliver, resync), name="hub-listener")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def publish(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        return await self._log.append(room_id, type, data, extra)

    async def publish_private(self, room_id: int, user_id: int, payload: bytes) -> None:
        # "room user " before the envelope: nodes route it without parsing the JSON.
        await self._redis.publish(self._private, b"%d %d " % (room_id, user_id) + payload)

    def _private_message(self, data: bytes) -> None:
        room, user, payload = data.split(b" ", 2)
        if self.on_private is not None:
            self.on_private(int(room), int(user), payload)

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        return await self._log.events_since(room_id, seq)

    async def current_seq(self, room_id: int) -> int:
        return await self._log.current_seq(room_id)

    async def _subscribe(self) -> PubSub:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel, self._private)
        return pubsub

    async def _run(self, pubsub: PubSub, deliver: Deliver, resync: Resync) -> None:
        while True:
            try:
                await self._listen(pubsub, deliver)
            except (RedisError, OSError) as exc:
                log.warning("hub listener lost Redis (%s); resubscribing", exc)
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            pubsub = await self._resubscribe()
            await resync()

    async def _resubscribe(self) -> PubSub:
        while True:
            try:
                return await self._subscribe()
            except (RedisError, OSError) as exc:
                log.warning("hub listener cannot subscribe (%s); retrying", exc)
                await asyncio.sleep(self._retry)

    async def _listen(self, pubsub: PubSub, deliver: Deliver) -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None or message.get("type") != "message":
                continue
            if as_bytes(message["channel"]) == self._private.encode():
                try:
                    self._private_message(as_bytes(message["data"]))
                except Exception:
                    log.exception("hub listener failed to deliver a private event")
                continue
            try:
                event = parse_event(as_bytes(message["data"]))
            except (ValueError, KeyError, TypeError):
                log.exception("hub listener skipped a malformed event")
                continue
            try:
                await deliver(event)
            except (RedisError, OSError):
                raise
            except Exception:
                # A bug in one room's fan-out must not silence every room on this node.
                log.exception("hub listener failed to deliver an event of room %s", event.room)
