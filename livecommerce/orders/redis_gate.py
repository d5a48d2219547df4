"""The stock gate on Redis, for the scaled shape (several nodes, one Redis).

Each reservation is one Lua script call, so Redis runs the whole check-and-take
atomically without locks or retries. Reservations made while a round trip is in
flight go together in the next one, one pipeline (``coalesce``): under a spike a node
spends one connection and one round trip on a crowd, not one each. Times are passed in
by the caller (the app node's clock, NTP-synced) so both gates take the same ``now``
and tests stay exact.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from livecommerce.coalesce import Coalescer
from livecommerce.errors import Unavailable
from livecommerce.orders import _gate_lua
from livecommerce.orders.gate import (
    GateResult,
    GateSale,
    Holders,
    Outcome,
    SaleRef,
    check_request,
)
from livecommerce.storage.keys import Keys
from livecommerce.storage.redis_gate import (
    ScriptCall,
    from_micros,
    micros,
    reachable,
    run_scripts,
    text,
)

# How long a sale's gate keys outlive its window: late releases (orders expiring after
# the end) still find them, and Redis does not keep old sales forever.
DEFAULT_RETENTION = timedelta(days=1)
RESERVES_PER_PIPELINE = 512
UNREACHABLE = "the stock gate is unreachable"

Reply = list[Any]  # the RESERVE script's {outcome, remaining, units}


class RedisGate:
    def __init__(
        self, redis: Redis, keys: Keys, *, retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._retention = retention
        self._reserve = redis.register_script(_gate_lua.RESERVE)
        self._release = redis.register_script(_gate_lua.RELEASE)
        self._holders = redis.register_script(_gate_lua.HOLDERS)
        self._reserves: Coalescer[ScriptCall, Reply] = Coalescer(max_batch=RESERVES_PER_PIPELINE)

    def _sale_keys(self, ref: SaleRef) -> list[str]:
        k = self._keys
        return [
            k.sale_gate(ref.room_id, ref.sale_id),
            k.sale_buyers(ref.room_id, ref.sale_id),
            k.sale_keys(ref.room_id, ref.sale_id),
        ]

    async def load(self, sale: GateSale) -> None:
        gate, buyers, keys = self._sale_keys(sale.ref)
        # Measured from the wall clock too: a sale loaded after its end (a late
        # reconciliation, a test with fixed dates) must not vanish on arrival.
        expire_at = max(sale.ends_at, datetime.now(UTC)) + self._retention
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(gate, buyers, keys)
                pipe.hset(gate, mapping=_gate_fields(sale))
                held: dict[FieldT, EncodableT] = {b: n for b, n in sale.buyers.items() if n}
                if held:
                    pipe.hset(buyers, mapping=held)
                known: dict[FieldT, EncodableT] = {f"{b}:{k}": n for (b, k), n in sale.keys.items()}
                if known:
                    pipe.hset(keys, mapping=known)
                for name in (gate, buyers, keys):
                    pipe.expireat(name, expire_at)
                await pipe.execute()

    async def reserve(
        self, ref: SaleRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> GateResult:
        check_request(key, quantity)
        args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}", quantity, micros(now)]
        call = (self._sale_keys(ref), args)
        with reachable(UNREACHABLE):
            outcome, remaining, units = await self._reserves.submit(None, call, self._reserve_many)
        return GateResult(Outcome(text(outcome)), int(remaining), int(units))

    async def _reserve_many(self, calls: Sequence[ScriptCall]) -> list[Reply | Exception]:
        return await run_scripts(self._redis, self._reserve, calls)

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        name = self._keys.sale_keys(ref.room_id, ref.sale_id)
        with reachable(UNREACHABLE):
            value = await self._redis.hget(name, f"{buyer_id}:{key}")
        return None if value is None else int(text(value))

    async def holders(self, ref: SaleRef, *, known: str | None) -> Holders | None:
        gate, _, keys = self._sale_keys(ref)
        with reachable(UNREACHABLE):
            reply = await self._holders(keys=[gate, keys], args=[known or ""])
        if not reply:
            return None
        quantity, sold, version = int(reply[0]), int(reply[1]), text(reply[2])
        held = frozenset(_buyer_key(text(f)) for f in reply[3]) if len(reply) > 3 else None
        return Holders(quantity, sold, version, held)

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}", "1" if forget else "0"]
        with reachable(UNREACHABLE):
            return int(await self._release(keys=self._sale_keys(ref), args=args))

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        gate, buyers, keys = self._sale_keys(ref)
        with reachable(UNREACHABLE):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(gate)
                pipe.hgetall(buyers)
                pipe.hgetall(keys)
                fields, held, known = await pipe.execute()
        if not fields:
            return None
        return _decode(ref, fields, held, known)

    async def drop(self, ref: SaleRef) -> None:
        with reachable(UNREACHABLE):
            await self._redis.delete(*self._sale_keys(ref))

    async def epoch(self) -> str:
        name = self._keys.gate_epoch()
        with reachable(UNREACHABLE):
            await self._redis.set(name, uuid.uuid4().hex, nx=True)
            value = await self._redis.get(name)
        if value is None:  # deleted between the two calls: the next check will notice
            raise Unavailable("the stock gate epoch vanished")
        return text(value)


def _gate_fields(sale: GateSale) -> dict[FieldT, EncodableT]:
    return {
        "quantity": sale.quantity,
        "sold": sale.sold,
        "limit": sale.per_user_limit,
        "starts": micros(sale.starts_at),
        "ends": micros(sale.ends_at),
        # A fresh start, so a version read before this load is never met again.
        "version": secrets.randbits(62),
    }


def _buyer_key(field: str) -> tuple[int, str]:
    buyer, _, key = field.partition(":")
    return int(buyer), key


def _decode(
    ref: SaleRef,
    fields: dict[bytes | str, bytes | str],
    held: dict[bytes | str, bytes | str],
    known: dict[bytes | str, bytes | str],
) -> GateSale:
    f = {text(k): int(text(v)) for k, v in fields.items()}
    keys: dict[tuple[int, str], int] = {}
    for field, units in known.items():
        keys[_buyer_key(text(field))] = int(text(units))
    return GateSale(
        ref=ref,
        quantity=f["quantity"],
        per_user_limit=f["limit"],
        starts_at=from_micros(f["starts"]),
        ends_at=from_micros(f["ends"]),
        sold=f["sold"],
        buyers={int(text(b)): int(text(n)) for b, n in held.items()},
        keys=keys,
    )
