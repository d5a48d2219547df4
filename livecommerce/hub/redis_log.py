"""The scaled shape's log: a Redis Stream per room, seqs from one counter per room.

One Lua script increments the counter, splices the seq into the pre-serialised envelope,
appends it to the stream and publishes it on the room's channel, all atomically: two
nodes can never hand out the same seq, and every subscribed node hears the room's
events in seq order. Both keys and the channel carry the room's hash tag, so on Redis
Cluster the script runs on the room's shard and publishes there with SPUBLISH.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from redis.asyncio import Redis

from livecommerce.hub.event import (
    NO_EXTRA,
    Event,
    Extra,
    event_of_parts,
    parse_event,
    split_envelope,
)
from livecommerce.hub.log import slice_after
from livecommerce.storage.keys import Keys

# KEYS: seq counter, stream, this call's nonce. ARGV: head, tail, maxlen, channel, ttl ms,
# the publish command (PUBLISH, SPUBLISH on Redis Cluster, or '' for none), nonce ttl ms.
# A nonce already seen means the client is re-sending a call that ran but whose reply
# was lost: answer its seq again, without a second entry or publish.
# If the counter vanished but the stream survived, continue after the stream's last
# entry: stream ids are "<seq>-0" and must grow.
APPEND_LUA = """
local done = redis.call('GET', KEYS[3])
if done then
  return tonumber(done)
end
local seq = redis.call('INCR', KEYS[1])
if seq == 1 then
  local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #top > 0 then
    seq = tonumber(string.match(top[1][1], '^(%d+)')) + 1
    redis.call('SET', KEYS[1], seq)
  end
end
local payload = ARGV[1] .. seq .. ARGV[2]
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'e', payload)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if ARGV[6] ~= '' then
  redis.call(ARGV[6], ARGV[4], payload)
end
redis.call('SET', KEYS[3], seq, 'PX', ARGV[7])
return seq
"""

# Long enough to outlive any client retry of one call, short enough to cost nothing.
NONCE_TTL_MS = 60_000


def as_bytes(value: bytes | str) -> bytes:
    """Redis replies are bytes, or str when the client was built with decode_responses."""
    return value if isinstance(value, bytes) else value.encode()


class RedisLog:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        retention: int,
        ttl_seconds: float,
        clock: Callable[[], str],
        publish: str = "",
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._retention = retention
        self._ttl_ms = int(ttl_seconds * 1000)
        self._clock = clock
        # The pub/sub command announcing each event: "PUBLISH", "SPUBLISH" or "" (none).
        self._publish = publish
        self._append = redis.register_script(APPEND_LUA)

    async def append(
        self, room_id: int, type: str, data: Mapping[str, Any], extra: Extra = NO_EXTRA
    ) -> Event:
        at = self._clock()
        head, tail = split_envelope(room_id, type, data, at, extra)
        seq = await self._append_once(room_id, head, tail, secrets.token_hex(8))
        payload = f"{head}{seq}{tail}".encode()
        return event_of_parts(room_id, seq, type, data, at, payload, extra)

    async def _append_once(self, room_id: int, head: str, tail: str, nonce: str) -> int:
        """Run the append script; however often the client re-sends this call, it
        appends once."""
        keys = [
            self._keys.room_seq(room_id),
            self._keys.room_log(room_id),
            self._keys.room_append(room_id, nonce),
        ]
        channel = self._keys.room_channel(room_id)
        args: list[str | int] = [
            *(head, tail, self._retention, channel, self._ttl_ms, self._publish, NONCE_TTL_MS)
        ]
        return int(await self._append(keys=keys, args=args))

    async def events_since(self, room_id: int, seq: int) -> list[Event] | None:
        if seq < 0:
            return None
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._keys.room_seq(room_id))
            pipe.xrange(self._keys.room_log(room_id), min=f"{seq + 1}-0")
            current, entries = await pipe.execute()
        events = [parse_event(as_bytes(_field(fields))) for _, fields in entries]
        return slice_after(events, seq, int(current or 0))

    async def current_seq(self, room_id: int) -> int:
        return int(await self._redis.get(self._keys.room_seq(room_id)) or 0)


def _field(fields: Mapping[Any, Any]) -> bytes | str:
    value = fields.get(b"e", fields.get("e"))
    if not isinstance(value, bytes | str):
        raise ValueError("stream entry without an event")
    return value
