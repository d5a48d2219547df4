from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from livecommerce.errors import InvalidInput, Unavailable
from livecommerce.orders.gate import GateResult, GateSale, Outcome, SaleRef, StockGate
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.storage.keys import Keys

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=10)
NOW = START + timedelta(minutes=1)
_ids = count(1)


async def open_sale(gate: StockGate, *, quantity: int = 5, limit: int = 2) -> SaleRef:
    ref = SaleRef(room_id=7, sale_id=next(_ids))
    await gate.load(
        GateSale(ref=ref, quantity=quantity, per_user_limit=limit, starts_at=START, ends_at=END)
    )
    return ref


async def buy(
    gate: StockGate, ref: SaleRef, buyer: int, key: str, q: int = 1, now: datetime = NOW
) -> GateResult:
    return await gate.reserve(ref, buyer_id=buyer, key=key, quantity=q, now=now)


async def test_reserve_takes_units_and_reports_what_is_left(gate: StockGate) -> None:
    """A winning attempt reserves its units and says how many remain."""
    ref = await open_sale(gate)
    assert await buy(gate, ref, 1, "a", 2) == GateResult(Outcome.RESERVED, 3, 2)
    snap = await gate.snapshot(ref)
    assert snap is not None
    assert (snap.sold, dict(snap.buyers), dict(snap.keys)) == (2, {1: 2}, {(1, "a"): 2})


async def test_same_key_is_a_duplicate_that_takes_nothing(gate: StockGate) -> None:
    """Repeating an idempotency key answers with the first reservation, not a new one."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a", 2)
    assert await buy(gate, ref, 1, "a", 1) == GateResult(Outcome.DUPLICATE, 3, 2)
    snap = await gate.snapshot(ref)
    assert snap is not None and snap.sold == 2


async def test_keys_belong_to_one_buyer(gate: StockGate) -> None:
    """Two buyers using the same key string are two different attempts."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "same")
    assert (await buy(gate, ref, 2, "same")).outcome is Outcome.RESERVED


async def test_duplicate_is_answered_even_after_the_window(gate: StockGate) -> None:
    """A client retrying a won attempt after the end still hears it won."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a")
    assert (await buy(gate, ref, 1, "a", now=END)).outcome is Outcome.DUPLICATE


async def test_window_is_half_open(gate: StockGate) -> None:
    """Buying opens exactly at starts_at and closes exactly at ends_at."""
    ref = await open_sale(gate)
    early = START - timedelta(microseconds=1)
    assert (await buy(gate, ref, 1, "a", now=early)).outcome is Outcome.NOT_STARTED
    assert (await buy(gate, ref, 1, "b", now=START)).outcome is Outcome.RESERVED
    assert (await buy(gate, ref, 2, "c", now=END)).outcome is Outcome.ENDED
    last = END - timedelta(microseconds=1)
    assert (await buy(gate, ref, 2, "d", now=last)).outcome is Outcome.RESERVED


async def test_sold_out_when_fewer_units_than_asked(gate: StockGate) -> None:
    """Asking for more than is left takes nothing; the last units still sell singly."""
    ref = await open_sale(gate, quantity=3)
    await buy(gate, ref, 1, "a", 2)
    assert await buy(gate, ref, 2, "b", 2) == GateResult(Outcome.SOLD_OUT, 1)
    assert await buy(gate, ref, 2, "c", 1) == GateResult(Outcome.RESERVED, 0, 1)
    assert await buy(gate, ref, 3, "d", 1) == GateResult(Outcome.SOLD_OUT, 0)


async def test_limit_exceeded_reports_what_the_buyer_holds(gate: StockGate) -> None:
    """A buyer past the per-buyer limit is refused and told their current holding."""
    ref = await open_sale(gate, limit=2)
    await buy(gate, ref, 1, "a", 1)
    assert await buy(gate, ref, 1, "b", 2) == GateResult(Outcome.LIMIT_EXCEEDED, 4, 1)
    assert (await buy(gate, ref, 1, "c", 1)).outcome is Outcome.RESERVED
    snap = await gate.snapshot(ref)
    assert snap is not None and snap.buyers == {1: 2}


async def test_unknown_sale_is_missing(gate: StockGate) -> None:
    """A sale the gate never loaded answers MISSING so the caller can load it."""
    ref = SaleRef(room_id=7, sale_id=next(_ids))
    assert (await buy(gate, ref, 1, "a")).outcome is Outcome.MISSING
    assert await gate.snapshot(ref) is None
    assert await gate.release(ref, buyer_id=1, key="a", forget=True) == 0


async def test_release_with_forget_lets_the_key_try_again(gate: StockGate) -> None:
    """A compensated reservation returns its units and frees its key."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a", 2)
    assert await gate.release(ref, buyer_id=1, key="a", forget=True) == 2
    snap = await gate.snapshot(ref)
    assert snap is not None and (snap.sold, snap.buyers, snap.keys) == (0, {}, {})
    assert (await buy(gate, ref, 1, "a", 1)).outcome is Outcome.RESERVED


async def test_release_keeping_the_key_leaves_a_zero_duplicate(gate: StockGate) -> None:
    """An expired order's key keeps answering DUPLICATE with no units held."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a", 2)
    assert await gate.release(ref, buyer_id=1, key="a", forget=False) == 2
    assert await buy(gate, ref, 1, "a", 1) == GateResult(Outcome.DUPLICATE, 5, 0)
    assert (await buy(gate, ref, 1, "b", 2)).outcome is Outcome.RESERVED


async def test_release_twice_gives_back_once(gate: StockGate) -> None:
    """Releasing is idempotent: the second release returns nothing."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a", 2)
    assert await gate.release(ref, buyer_id=1, key="a", forget=False) == 2
    assert await gate.release(ref, buyer_id=1, key="a", forget=False) == 0
    assert await gate.release(ref, buyer_id=1, key="never", forget=True) == 0
    snap = await gate.snapshot(ref)
    assert snap is not None and snap.sold == 0


async def test_load_replaces_state_and_snapshot_reads_it_back(gate: StockGate) -> None:
    """What load writes, snapshot returns exactly, and reserve respects it."""
    ref = await open_sale(gate)
    await buy(gate, ref, 9, "old")
    loaded = GateSale(
        ref=ref,
        quantity=10,
        per_user_limit=3,
        starts_at=START + timedelta(microseconds=123),
        ends_at=END,
        sold=4,
        buyers={1: 3, 2: 1},
        keys={(1, "x"): 3, (2, "y:with:colons"): 1, (2, "gone"): 0},
    )
    await gate.load(loaded)
    assert await gate.snapshot(ref) == loaded
    assert (await buy(gate, ref, 1, "z")).outcome is Outcome.LIMIT_EXCEEDED
    assert await buy(gate, ref, 2, "y:with:colons") == GateResult(Outcome.DUPLICATE, 6, 1)
    assert (await buy(gate, ref, 9, "old")).outcome is Outcome.RESERVED


async def test_drop_forgets_the_sale(gate: StockGate) -> None:
    """A dropped sale is MISSING again."""
    ref = await open_sale(gate)
    await gate.drop(ref)
    assert (await buy(gate, ref, 1, "a")).outcome is Outcome.MISSING


async def test_epoch_is_stable(gate: StockGate) -> None:
    """The epoch does not change while the gate keeps its data."""
    assert await gate.epoch() == await gate.epoch()


@pytest.mark.parametrize(("key", "q"), [("", 1), ("k" * 81, 1), ("a", 0), ("a", -1)])
async def test_bad_requests_are_refused(gate: StockGate, key: str, q: int) -> None:
    """Empty or huge keys and non-positive quantities never reach the gate's state."""
    ref = await open_sale(gate)
    with pytest.raises(InvalidInput):
        await buy(gate, ref, 1, key, q)


async def test_redis_epoch_changes_when_redis_loses_its_data(
    redis_client: Redis, redis_keys: Keys
) -> None:
    """Deleting everything (a restart without persistence) yields a new epoch."""
    gate = RedisGate(redis_client, redis_keys)
    before = await gate.epoch()
    ref = await open_sale(gate)
    await redis_client.delete(redis_keys.gate_epoch(), redis_keys.sale_gate(7, ref.sale_id))
    assert await gate.epoch() != before
    assert (await buy(gate, ref, 1, "a")).outcome is Outcome.MISSING


async def test_redis_keys_expire_after_the_window(redis_client: Redis, redis_keys: Keys) -> None:
    """Gate keys carry a TTL past ends_at so old sales do not stay in Redis forever."""
    gate = RedisGate(redis_client, redis_keys)
    ref = SaleRef(room_id=7, sale_id=next(_ids))
    soon = datetime.now(UTC) + timedelta(hours=1)
    await gate.load(
        GateSale(
            ref=ref, quantity=1, per_user_limit=1, starts_at=START, ends_at=soon, keys={(1, "k"): 1}
        )
    )
    for name in (redis_keys.sale_gate(7, ref.sale_id), redis_keys.sale_keys(7, ref.sale_id)):
        assert await redis_client.ttl(name) > 3600


async def test_unreachable_redis_is_unavailable() -> None:
    """A Redis that refuses connections surfaces as Unavailable, not a Redis exception."""
    client = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    gate = RedisGate(client, Keys(prefix="lctest:down:"))
    try:
        with pytest.raises(Unavailable):
            await buy(gate, SaleRef(1, 1), 1, "a")
        with pytest.raises(Unavailable):
            await gate.epoch()
    finally:
        await client.aclose()


async def test_held_reports_a_keys_units(gate: StockGate) -> None:
    """held() answers units for a known key, 0 once released, None for strangers."""
    ref = await open_sale(gate)
    await buy(gate, ref, 1, "a", 2)
    assert await gate.held(ref, buyer_id=1, key="a") == 2
    assert await gate.held(ref, buyer_id=2, key="a") is None
    await gate.release(ref, buyer_id=1, key="a", forget=False)
    assert await gate.held(ref, buyer_id=1, key="a") == 0
    assert await gate.held(SaleRef(7, next(_ids)), buyer_id=1, key="a") is None
