from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from livecommerce.orders.gate import HolderReader, Outcome, StockGate
from livecommerce.orders.redis_gate import RedisGate
from livecommerce.storage.keys import Keys
from tests.orders.test_gate import buy, open_sale


def reader(gate: StockGate) -> HolderReader:
    assert isinstance(gate, HolderReader)
    return gate


async def test_holders_are_every_reserved_key(gate: StockGate) -> None:
    """holders() lists each (buyer, key) holding units, with the sale's numbers."""
    ref = await open_sale(gate, quantity=3)
    await buy(gate, ref, 1, "a")
    await buy(gate, ref, 2, "b:with:colons", 2)
    found = await reader(gate).holders(ref, known=None)
    assert found is not None
    assert (found.quantity, found.sold) == (3, 3)
    assert found.keys == frozenset({(1, "a"), (2, "b:with:colons")})


async def test_holders_are_not_sent_again_until_a_key_is_reserved(gate: StockGate) -> None:
    """Asking with the current version gets the numbers only; a new reservation (not a
    release) moves the version on."""
    ref = await open_sale(gate, quantity=3)
    await buy(gate, ref, 1, "a")
    first = await reader(gate).holders(ref, known=None)
    assert first is not None
    same = await reader(gate).holders(ref, known=first.version)
    assert same is not None and same.keys is None and same.sold == 1
    await gate.release(ref, buyer_id=1, key="a", forget=True)
    released = await reader(gate).holders(ref, known=first.version)
    assert released is not None and released.keys is None and released.sold == 0
    await buy(gate, ref, 2, "b")
    moved = await reader(gate).holders(ref, known=first.version)
    assert moved is not None and moved.version != first.version
    assert moved.keys == frozenset({(2, "b")})


async def test_a_reload_starts_a_new_version(gate: StockGate) -> None:
    """A version read before the sale was loaded again is never taken as current."""
    ref = await open_sale(gate)
    before = await reader(gate).holders(ref, known=None)
    assert before is not None
    snapshot = await gate.snapshot(ref)
    assert snapshot is not None
    await gate.load(snapshot)
    after = await reader(gate).holders(ref, known=before.version)
    assert after is not None and after.keys == frozenset()


async def test_holders_of_an_unknown_sale_are_none(gate: StockGate) -> None:
    """A sale the gate does not hold has no holders to tell."""
    ref = await open_sale(gate)
    await gate.drop(ref)
    assert await reader(gate).holders(ref, known=None) is None


async def test_a_crowd_of_reservations_needs_few_connections(
    redis_url: str, redis_keys: Keys
) -> None:
    """Concurrent reservations share pipelined round trips: 60 of them through a pool
    of two connections all get their answer, and exactly the quantity is reserved."""
    client = Redis.from_url(redis_url, max_connections=2)
    try:
        gate = RedisGate(client, redis_keys)
        ref = await open_sale(gate, quantity=40, limit=1)
        results = await asyncio.gather(*(buy(gate, ref, b, "k") for b in range(60)))
    finally:
        await client.aclose()
    outcomes = [r.outcome for r in results]
    assert outcomes.count(Outcome.RESERVED) == 40
    assert outcomes.count(Outcome.SOLD_OUT) == 20


async def test_a_forgotten_script_is_loaded_again(redis_client: Redis, redis_keys: Keys) -> None:
    """If Redis does not know the reserve script (restarted, flushed), it is loaded and
    the reservations that did not run are sent again, once."""
    gate = RedisGate(redis_client, redis_keys)
    ref = await open_sale(gate, quantity=2)
    gate._reserve.sha = "0" * 40  # what a Redis that lost its scripts answers to
    results = await asyncio.gather(buy(gate, ref, 1, "a"), buy(gate, ref, 2, "b"))
    assert [r.outcome for r in results] == [Outcome.RESERVED, Outcome.RESERVED]
    snapshot = await gate.snapshot(ref)
    assert snapshot is not None and snapshot.sold == 2
