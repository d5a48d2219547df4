"""The stock gate on Redis, for the scaled shape (several nodes, one Redis).

Each reservation is one Lua script call, so Redis runs the whole check-and-take
atomically without locks or retries. Times are passed in by the caller (the app
node's clock, NTP-synced) so both gates take the same ``now`` and tests stay exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from livecommerce.errors import Unavailable
from livecommerce.orders import _gate_lua
from livecommerce.orders.gate import GateResult, GateSale, Outcome, SaleRef, check_request
from livecommerce.storage.keys import Keys

# How long a sale's gate keys outlive its window: late releases (orders expiring after
# the end) still find them, and Redis does not keep old sales forever.
DEFAULT_RETENTION = timedelta(days=1)


def _micros(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


def _text(value: bytes | str) -> str:
    # The client may or may not have been built with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else value


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn any Redis failure into ``Unavailable`` so the order path can fall back."""
    try:
        yield
    except RedisError as exc:
        raise Unavailable("the stock gate is unreachable") from exc


class RedisGate:
    def __init__(
        self, redis: Redis, keys: Keys, *, retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._retention = retention
        self._reserve = redis.register_script(_gate_lua.RESERVE)
        self._release = redis.register_script(_gate_lua.RELEASE)

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
        with _reachable():
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
        args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}", quantity, _micros(now)]
        with _reachable():
            outcome, remaining, units = await self._reserve(keys=self._sale_keys(ref), args=args)
        return GateResult(Outcome(_text(outcome)), int(remaining), int(units))

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        name = self._keys.sale_keys(ref.room_id, ref.sale_id)
        with _reachable():
            value = await self._redis.hget(name, f"{buyer_id}:{key}")
        return None if value is None else int(_text(value))

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        args: list[EncodableT] = [buyer_id, f"{buyer_id}:{key}", "1" if forget else "0"]
        with _reachable():
            return int(await self._release(keys=self._sale_keys(ref), args=args))

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        gate, buyers, keys = self._sale_keys(ref)
        with _reachable():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(gate)
                pipe.hgetall(buyers)
                pipe.hgetall(keys)
                fields, held, known = await pipe.execute()
        if not fields:
            return None
        return _decode(ref, fields, held, known)

    async def drop(self, ref: SaleRef) -> None:
        with _reachable():
            await self._redis.delete(*self._sale_keys(ref))

    async def epoch(self) -> str:
        name = self._keys.gate_epoch()
        with _reachable():
            await self._redis.set(name, uuid.uuid4().hex, nx=True)
            value = await self._redis.get(name)
        if value is None:  # deleted between the two calls: the next check will notice
            raise Unavailable("the stock gate epoch vanished")
        return _text(value)


def _gate_fields(sale: GateSale) -> dict[FieldT, EncodableT]:
    return {
        "quantity": sale.quantity,
        "sold": sale.sold,
        "limit": sale.per_user_limit,
        "starts": _micros(sale.starts_at),
        "ends": _micros(sale.ends_at),
    }


def _decode(
    ref: SaleRef,
    fields: dict[bytes | str, bytes | str],
    held: dict[bytes | str, bytes | str],
    known: dict[bytes | str, bytes | str],
) -> GateSale:
    f = {_text(k): int(_text(v)) for k, v in fields.items()}
    keys: dict[tuple[int, str], int] = {}
    for field, units in known.items():
        buyer, _, key = _text(field).partition(":")
        keys[(int(buyer), key)] = int(_text(units))
    return GateSale(
        ref=ref,
        quantity=f["quantity"],
        per_user_limit=f["limit"],
        starts_at=_from_micros(f["starts"]),
        ends_at=_from_micros(f["ends"]),
        sold=f["sold"],
        buyers={int(_text(b)): int(_text(n)) for b, n in held.items()},
        keys=keys,
    )
