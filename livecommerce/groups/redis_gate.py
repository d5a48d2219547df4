"""The seat gate on Redis, for the scaled shape: one Lua script call per join."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from livecommerce.groups import _gate_lua
from livecommerce.groups.gate import GroupRef, GroupState, OfferState, Seat, SeatResult
from livecommerce.storage.keys import Keys
from livecommerce.storage.redis_gate import micros, reachable, text

# Late releases (an order expiring after the deadline) still find a group's keys; an
# offer's keys are reloaded from the database whenever they are missing.
RETENTION = timedelta(days=1)
OFFER_RETENTION = timedelta(days=7)
UNREACHABLE = "the seat gate is unreachable"


class RedisSeatGate:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._join = redis.register_script(_gate_lua.JOIN)
        self._release = redis.register_script(_gate_lua.RELEASE)

    def _names(self, ref: GroupRef) -> list[str]:
        k, room = self._keys, ref.room_id
        return [
            k.group_offer(room, ref.offer_id), k.group_offer_buyers(room, ref.offer_id),
            k.group_gate(room, ref.group_id), k.group_members(room, ref.group_id),
        ]  # fmt: skip

    async def load_offer(self, offer: OfferState) -> None:
        k = self._keys
        name = k.group_offer(offer.room_id, offer.offer_id)
        buyers = k.group_offer_buyers(offer.room_id, offer.offer_id)
        fields: dict[FieldT, EncodableT] = {
            "stock": offer.stock, "sold": offer.sold, "limit": offer.per_user_limit,
        }  # fmt: skip
        held: dict[FieldT, EncodableT] = {b: n for b, n in offer.buyers.items() if n}
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(name, buyers)
                pipe.hset(name, mapping=fields)
                if held:
                    pipe.hset(buyers, mapping=held)
                for key in (name, buyers):
                    pipe.expire(key, OFFER_RETENTION)
                await pipe.execute()

    async def load_group(self, group: GroupState) -> None:
        _, _, name, members = self._names(group.ref)
        fields: dict[FieldT, EncodableT] = {
            "size": group.size, "taken": len(group.members),
            "expires": micros(group.expires_at), "open": 1 if group.open else 0,
        }  # fmt: skip
        seats: dict[FieldT, EncodableT] = {}
        for buyer, (key, units) in group.members.items():
            seats[f"b:{buyer}"], seats[f"u:{buyer}"] = key, units
        expire_at = max(group.expires_at, datetime.now(UTC)) + RETENTION
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(name, members)
                pipe.hset(name, mapping=fields)
                if seats:
                    pipe.hset(members, mapping=seats)
                for key in (name, members):
                    pipe.expireat(key, expire_at)
                await pipe.execute()

    async def join(
        self, ref: GroupRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> SeatResult:
        args: list[EncodableT] = [buyer_id, key, quantity, micros(now)]
        with reachable(UNREACHABLE):
            outcome, left = await self._join(keys=self._names(ref), args=args)
        return SeatResult(Seat(text(outcome)), int(left))

    async def release(self, ref: GroupRef, *, buyer_id: int) -> int:
        with reachable(UNREACHABLE):
            return int(await self._release(keys=self._names(ref), args=[buyer_id]))

    async def close(self, ref: GroupRef) -> None:
        name = self._keys.group_gate(ref.room_id, ref.group_id)
        with reachable(UNREACHABLE):
            if await self._redis.exists(name):
                await self._redis.hset(name, "open", 0)
