"""Property tests of the stock gate under random interleavings of attempts and releases."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from livecommerce.orders.gate import GateSale, MemoryGate, Outcome, SaleRef, StockGate
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.storage.keys import Keys

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=10)
TIMES = [START - timedelta(seconds=1), START, START + timedelta(minutes=5), END]
_ids = count(1)


@dataclass(frozen=True)
class Reserve:
    buyer: int
    key: int
    quantity: int
    now: datetime


@dataclass(frozen=True)
class Release:
    buyer: int
    key: int
    forget: bool


Op = Reserve | Release
buyers = st.integers(0, 3)
keys = st.integers(0, 3)
ops = st.one_of(
    st.builds(Reserve, buyers, keys, st.integers(1, 3), st.sampled_from(TIMES[1:3] * 3 + TIMES)),
    st.builds(Release, buyers, keys, st.booleans()),
)
# Each inner list runs concurrently (asyncio.gather); lists run one after another.
batches = st.lists(st.lists(ops, min_size=1, max_size=8), min_size=1, max_size=6)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def run(gate: StockGate, ref: SaleRef, op: Op) -> tuple[Op, Outcome | None, int]:
    if isinstance(op, Reserve):
        r = await gate.reserve(
            ref, buyer_id=op.buyer, key=f"k{op.key}", quantity=op.quantity, now=op.now
        )
        return op, r.outcome, r.units
    return op, None, await gate.release(ref, buyer_id=op.buyer, key=f"k{op.key}", forget=op.forget)


async def check_invariants(
    gate: StockGate, ref: SaleRef, limit: int, done: list[tuple[Op, Outcome | None, int]]
) -> None:
    snap = await gate.snapshot(ref)
    assert snap is not None
    assert 0 <= snap.sold <= snap.quantity, "never more reserved than the quantity"
    assert snap.sold == sum(snap.keys.values()) == sum(snap.buyers.values())
    for buyer, held in snap.buyers.items():
        assert 0 < held <= limit, "nobody over their limit"
        assert held == sum(n for (b, _), n in snap.keys.items() if b == buyer)
    taken = sum(units for op, outcome, units in done if outcome is Outcome.RESERVED)
    given_back = sum(units for op, outcome, units in done if isinstance(op, Release))
    assert snap.sold == taken - given_back, "units are conserved"
    wins = Counter((op.buyer, op.key) for op, outcome, _ in done if outcome is Outcome.RESERVED)
    forgets = Counter(
        (op.buyer, op.key) for op, _, _ in done if isinstance(op, Release) and op.forget
    )
    for attempt, n in wins.items():
        assert n <= 1 + forgets[attempt], "a key reserves again only after it was forgotten"


async def exercise(gate: StockGate, plan: list[list[Op]], quantity: int, limit: int) -> None:
    ref = SaleRef(room_id=3, sale_id=next(_ids))
    sale = GateSale(ref=ref, quantity=quantity, per_user_limit=limit, starts_at=START, ends_at=END)
    await gate.load(sale)
    done: list[tuple[Op, Outcome | None, int]] = []
    for batch in plan:
        done += await asyncio.gather(*(run(gate, ref, op) for op in batch))
        await check_invariants(gate, ref, limit, done)


@PROPERTY
@given(plan=batches, quantity=st.integers(1, 8), limit=st.integers(1, 4))
async def test_gate_never_oversells_under_interleavings(
    gate: StockGate, plan: list[list[Op]], quantity: int, limit: int
) -> None:
    """Whatever the interleaving: sold <= quantity, nobody over the limit, keys idempotent."""
    await exercise(gate, plan, quantity, limit)


@PROPERTY
@given(
    plan=st.lists(ops, min_size=1, max_size=30), quantity=st.integers(1, 8), limit=st.integers(1, 4)
)
async def test_redis_gate_answers_exactly_like_the_memory_gate(
    redis_client: Redis, redis_keys: Keys, plan: list[Op], quantity: int, limit: int
) -> None:
    """Run one after another, the Lua script and the in-process gate agree on every answer."""
    memory, redis = MemoryGate(), RedisGate(redis_client, redis_keys)
    ref = SaleRef(room_id=3, sale_id=next(_ids))
    sale = GateSale(ref=ref, quantity=quantity, per_user_limit=limit, starts_at=START, ends_at=END)
    await memory.load(sale)
    await redis.load(sale)
    for op in plan:
        assert await run(redis, ref, op) == await run(memory, ref, op)
    assert await redis.snapshot(ref) == await memory.snapshot(ref)
