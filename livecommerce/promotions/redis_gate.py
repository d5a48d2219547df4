"""The claim gate on Redis, for the scaled shape: one Lua script call per claim.

Claims arriving while a round trip is in flight share the next pipeline (``coalesce``),
as the stock gate's reservations do: a crowd tapping "claim" at once costs a node one
round trip per batch, not one per viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from livecommerce.coalesce import Coalescer
from livecommerce.promotions import _claim_lua
from livecommerce.promotions.gate import ClaimOutcome, ClaimResult, DropRef, GateDrop, check_key
from livecommerce.storage.keys import Keys
from livecommerce.storage.redis_gate import (
    ScriptCall,
    from_micros,
    micros,
    reachable,
    run_scripts,
    text,
)

RETENTION = timedelta(days=2)  # gate keys outlive any claim window the show has
CLAIMS_PER_PIPELINE = 512
UNREACHABLE = "the claim gate is unreachable"

Reply = list[Any]


class RedisClaimGate:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._claim = redis.register_script(_claim_lua.CLAIM)
        self._release = redis.register_script(_claim_lua.RELEASE)
        self._close = redis.register_script(_claim_lua.CLOSE)
        self._claims: Coalescer[ScriptCall, Reply] = Coalescer(max_batch=CLAIMS_PER_PIPELINE)

    def _names(self, ref: DropRef) -> list[str]:
        k = self._keys
        return [
            k.coupon_gate(ref.room_id, ref.drop_id),
            k.coupon_buyers(ref.room_id, ref.drop_id),
            k.coupon_keys(ref.room_id, ref.drop_id),
        ]

    async def load(self, drop: GateDrop) -> None:
        gate, buyers, keys = self._names(drop.ref)
        fields: dict[FieldT, EncodableT] = {
            "quantity": -1 if drop.quantity is None else drop.quantity,
            "claimed": drop.claimed,
            "limit": drop.per_buyer_limit,
            "ends": 0 if drop.claim_ends_at is None else micros(drop.claim_ends_at),
            "open": 1 if drop.open else 0,
        }
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(gate, buyers, keys)
                pipe.hset(gate, mapping=fields)
                held: dict[FieldT, EncodableT] = {b: n for b, n in drop.buyers.items() if n}
                if held:
                    pipe.hset(buyers, mapping=held)
                known: dict[FieldT, EncodableT] = {f"{b}:{k}": 1 for b, k in drop.keys}
                if known:
                    pipe.hset(keys, mapping=known)
                for name in (gate, buyers, keys):
                    pipe.expire(name, RETENTION)
                await pipe.execute()

    async def claim(self, ref: DropRef, *, buyer_id: int, key: str, now: datetime) -> ClaimResult:
        check_key(key)
        args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}", micros(now)]
        call = (self._names(ref), args)
        with reachable(UNREACHABLE):
            outcome, left = await self._claims.submit(None, call, self._claim_many)
        left = int(left)
        return ClaimResult(ClaimOutcome(text(outcome)), None if left < 0 else left)

    async def _claim_many(self, calls: Sequence[ScriptCall]) -> list[Reply | Exception]:
        return await run_scripts(self._redis, self._claim, calls)

    async def release(self, ref: DropRef, *, buyer_id: int, key: str) -> bool:
        with reachable(UNREACHABLE):
            args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}"]
            return bool(await self._release(keys=self._names(ref), args=args))

    async def close(self, ref: DropRef) -> None:
        with reachable(UNREACHABLE):
            await self._close(keys=self._names(ref)[:1])

    async def snapshot(self, ref: DropRef) -> GateDrop | None:
        gate, buyers, keys = self._names(ref)
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(gate)
                pipe.hgetall(buyers)
                pipe.hkeys(keys)
                fields, held, known = await pipe.execute()
        if not fields:
            return None
        f = {text(k): int(text(v)) for k, v in fields.items()}
        ends = f["ends"]
        return GateDrop(
            ref=ref,
            quantity=None if f["quantity"] < 0 else f["quantity"],
            per_buyer_limit=f["limit"],
            claim_ends_at=None if ends == 0 else from_micros(ends),
            open=f["open"] == 1,
            claimed=f["claimed"],
            buyers={int(text(b)): int(text(n)) for b, n in held.items()},
            keys=frozenset(_buyer_key(text(k)) for k in known),
        )


def _buyer_key(field: str) -> tuple[int, str]:
    buyer, _, key = field.partition(":")
    return int(buyer), key
