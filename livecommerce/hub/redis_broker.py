"""The scaled shape's broker: Redis Streams for the log, a pub/sub channel per room for news.

A node hears only the rooms it has sockets in. The hub calls :meth:`RedisBroker.watch`
when a room gets its first local socket and :meth:`RedisBroker.unwatch` after its last
one leaves (encode/broadcaster's counted subscriptions; the count is the hub's room
table). Each room's channel, ``Keys.room_channel``, carries the room's hash tag, so on
Redis Cluster it belongs to the slot of the room's stream: the append script publishes
with SPUBLISH in the same atomic step that gives the event its seq, and the node
subscribes with SSUBSCRIBE on the master owning that slot. A node holds one pub/sub
connection on a single Redis (plain PUBLISH/SUBSCRIBE there), one per master it has
rooms on in a cluster, whatever the number of rooms and viewers.

Subscribing is asynchronous. A joining socket waits in :meth:`RedisBroker.watching`
until Redis has confirmed the room's subscription, and only then reads the log, so no
event falls between the two. Every confirmation, the first one or a resubscription
after a lost connection, a failover or a slot move, asks the hub to catch the room up
from its stream after the last seq it delivered: no sequenced event is lost.

Private events (one user's sockets in a room: their own order status) travel on the
room's channel too, as ``@<user id> <payload>``. The nodes that can hold that user's
sockets in the room are exactly the nodes subscribed to the room, so this reaches all
of them and no other, with no extra subscription and in the same slot on a cluster. A
channel per node would need a directory of which node each user is on; a channel per
room and user would cost a subscription per logged-in viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError, RedisClusterException, RedisError

from livecommerce.hub._shards import Shard, shard_for
from livecommerce.hub._tasks import cancel_and_wait
from livecommerce.hub.broker import Deliver, DeliverPrivate, Resync
from livecommerce.hub.event import NO_EXTRA, Event, Extra, parse_event
from livecommerce.hub.redis_log import RedisLog, as_bytes
from livecommerce.storage.keys import Keys

log = logging.getLogger(__name__)

PRIVATE = b"@"
CONFIRMED = ("subscribe", "ssubscribe")
ENDED = ("unsubscribe", "sunsubscribe")
DATA = ("message", "smessage")


class RedisBroker:
    def __init__(
        self,
        redis: Redis | RedisCluster,
        keys: Keys,
        log: RedisLog,
        *,
        retry: float = 1.0,
        confirm_timeout: float = 5.0,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._log = log
        self._sharded = isinstance(redis, RedisCluster)
        self._retry = retry
        self._confirm_timeout = confirm_timeout
        self.on_private: DeliverPrivate | None = None
        self._deliver: Deliver | None = None
        self._resync: Resync | None = None
        # Rooms with local sockets; those a SUBSCRIBE was sent for, by shard; those
        # Redis confirmed; those an UNSUBSCRIBE was sent for and not yet confirmed.
        self._wanted: set[int] = set()
        self._routes: dict[int, Shard] = {}
        self._live: set[int] = set()
        self._leaving: set[int] = set()
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._channels: dict[bytes, int] = {}
        self._shards: dict[str, tuple[Shard, asyncio.Task[None]]] = {}
        self._changed = asyncio.Event()
        self._refresh = False
        self._task: asyncio.Task[None] | None = None

    # --- the Broker protocol -------------------------------------------------------
    async def start(self, deliver: Deliver, resync: Resync) -> None:
        self._deliver, self._resync = deliver, resync
        self._task = asyncio.create_task(self._reconcile_forever(), name="hub-subscriber")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        for name in list(self._shards):
            await self._drop_shard(name)

    async def publish(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        return await self._log.append(room_id, type, data, extra)

    async def publish_private(self, room_id: int, user_id: int, payload: bytes) -> None:
        channel = self._keys.room_channel(room_id)
        message = PRIVATE + b"%d " % user_id + payload
        if self._sharded:
            await self._redis.spublish(channel, message)
        else:
            await self._redis.publish(channel, message)

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        return await self._log.events_since(room_id, seq)

    async def current_seq(self, room_id: int) -> int:
        return await self._log.current_seq(room_id)

    def watch(self, room_id: int) -> None:
        self._wanted.add(room_id)
        self._changed.set()

    def unwatch(self, room_id: int) -> None:
        self._wanted.discard(room_id)
        self._changed.set()

    async def watching(self, room_id: int) -> None:
        if room_id in self._live and room_id not in self._leaving:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(room_id, []).append(waiter)
        try:
            async with asyncio.timeout(self._confirm_timeout):
                await waiter
        except TimeoutError:
            raise ConnectionError(f"no subscription to room {room_id}") from None
        finally:
            waiting = self._waiters.get(room_id, [])
            if waiter in waiting:
                waiting.remove(waiter)

    # --- subscribing ---------------------------------------------------------------
    async def _reconcile_forever(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await self._reconcile()
            except (RedisError, RedisClusterException, OSError) as exc:
                log.warning("hub cannot update its subscriptions (%s); retrying", exc)
                self._refresh = True
                await asyncio.sleep(self._retry)
                self._changed.set()

    async def _reconcile(self) -> None:
        """Send the (UN)SUBSCRIBEs that bring Redis to the wanted rooms, one room at a
        time: a room has at most one of them unconfirmed, so confirmations pair up."""
        if isinstance(self._redis, RedisCluster):
            await self._redis.initialize()  # the slot map, once per client
            if self._refresh:
                await self._redis.nodes_manager.initialize()
        self._refresh = False
        for room_id in sorted(self._wanted - self._routes.keys()):
            channel = self._keys.room_channel(room_id)
            shard = await self._shard(channel)
            shard.rooms.add(room_id)
            self._routes[room_id] = shard
            self._channels[channel.encode()] = room_id
            try:
                await shard.subscribe(channel)
            except BaseException:
                self._unroute(room_id)
                raise
        for room_id in sorted(self._live - self._wanted - self._leaving):
            self._leaving.add(room_id)
            await self._routes[room_id].unsubscribe(self._keys.room_channel(room_id))

    async def _shard(self, channel: str) -> Shard:
        name, connect = shard_for(self._redis, channel)
        if name in self._shards:
            return self._shards[name][0]
        shard = Shard(name, connect(), self._sharded)
        await shard.connect()
        task = asyncio.create_task(self._listen_forever(shard), name=f"hub-listener-{name}")
        self._shards[name] = (shard, task)
        return shard

    async def _drop_shard(self, name: str) -> None:
        shard, task = self._shards.pop(name)
        if task is not asyncio.current_task():
            await cancel_and_wait(task)
        for room_id in list(shard.rooms):
            self._unroute(room_id)
        with contextlib.suppress(RedisError, OSError):
            await shard.close()  # it may be gone already: that is why it is dropped

    def _unroute(self, room_id: int) -> None:
        shard = self._routes.pop(room_id, None)
        if shard is not None:
            shard.rooms.discard(room_id)
        self._channels.pop(self._keys.room_channel(room_id).encode(), None)
        self._live.discard(room_id)
        self._leaving.discard(room_id)

    # --- listening -----------------------------------------------------------------
    async def _listen_forever(self, shard: Shard) -> None:
        try:
            while True:
                message = await shard.next_message()
                if message is not None:
                    await self._on_message(shard, message)
        except (RedisError, OSError) as exc:
            log.warning("hub lost its subscriptions on %s (%s); resubscribing", shard.name, exc)
            await self._drop_shard(shard.name)
            self._refresh = True
            self._changed.set()

    async def _on_message(self, shard: Shard, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        room_id = self._room_of(message.get("channel"))
        if room_id is None or self._routes.get(room_id) is not shard:
            return
        if kind in DATA:
            await self._on_data(room_id, as_bytes(message["data"]))
        elif kind in CONFIRMED:
            await self._on_confirmed(room_id)
        elif kind in ENDED:
            self._on_ended(shard, room_id)

    async def _on_confirmed(self, room_id: int) -> None:
        self._live.add(room_id)
        for waiter in self._waiters.pop(room_id, []):
            if not waiter.done():
                waiter.set_result(None)
        self._changed.set()  # the room may have emptied meanwhile
        if self._resync is not None:
            await self._resync(room_id)

    def _on_ended(self, shard: Shard, room_id: int) -> None:
        if room_id not in self._leaving:
            # Not asked for: a cluster slot moved or its master became a replica.
            log.warning("hub subscription to room %s ended by Redis; resubscribing", room_id)
            self._refresh = True
        self._unroute(room_id)
        self._changed.set()

    async def _on_data(self, room_id: int, data: bytes) -> None:
        if data.startswith(PRIVATE):
            user, payload = data[1:].split(b" ", 1)
            if self.on_private is not None:
                self.on_private(room_id, int(user), payload)
            return
        try:
            event = parse_event(data)
        except (ValueError, KeyError, TypeError):
            log.exception("hub listener skipped a malformed event")
            return
        if self._deliver is not None:
            try:
                await self._deliver(event)
            except (RedisError, OSError):
                raise
            except Exception:
                # A bug in one room's fan-out must not silence every room on this node.
                log.exception("hub listener failed to deliver an event of room %s", room_id)

    def _room_of(self, channel: object) -> int | None:
        return self._channels.get(as_bytes(channel)) if isinstance(channel, bytes | str) else None
