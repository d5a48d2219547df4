"""The seat gate: the same answers in memory, on Redis and on Redis Cluster."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from livecommerce.groups.gate import GroupRef, GroupState, OfferState, Seat, SeatGate

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
REF = GroupRef(room_id=7, offer_id=3, group_id=11)


async def _load(gate: SeatGate, *, size: int = 3, stock: int = 10, limit: int = 2) -> None:
    await gate.load_offer(OfferState(REF.room_id, REF.offer_id, stock, limit))
    await gate.load_group(GroupState(REF, size, NOW + timedelta(hours=1)))


async def test_a_seat_per_buyer_until_full(seat_gate: SeatGate) -> None:
    """Seats go one per buyer; the same key is a duplicate, another key a second seat
    refused; the N+1th buyer finds it full."""
    await _load(seat_gate)
    join = seat_gate.join
    assert (await join(REF, buyer_id=1, key="a", quantity=1, now=NOW)).outcome is Seat.RESERVED
    assert (await join(REF, buyer_id=1, key="a", quantity=1, now=NOW)).outcome is Seat.DUPLICATE
    assert (await join(REF, buyer_id=1, key="b", quantity=1, now=NOW)).outcome is Seat.MEMBER
    assert (await join(REF, buyer_id=2, key="a", quantity=1, now=NOW)).left == 1
    assert (await join(REF, buyer_id=3, key="a", quantity=1, now=NOW)).left == 0
    result = await join(REF, buyer_id=4, key="a", quantity=1, now=NOW)
    assert result.outcome is Seat.FULL


async def test_refusals_in_order(seat_gate: SeatGate) -> None:
    """Unknown group, closed, past its deadline, group stock, per-buyer limit."""
    assert (await seat_gate.join(REF, buyer_id=1, key="k", quantity=1, now=NOW)).outcome is (
        Seat.MISSING
    )
    await _load(seat_gate, stock=2, limit=1)
    later = NOW + timedelta(hours=2)
    assert (await seat_gate.join(REF, buyer_id=1, key="k", quantity=1, now=later)).outcome is (
        Seat.EXPIRED
    )
    assert (await seat_gate.join(REF, buyer_id=1, key="k", quantity=2, now=NOW)).outcome is (
        Seat.LIMIT_EXCEEDED
    )
    assert (await seat_gate.join(REF, buyer_id=1, key="k", quantity=3, now=NOW)).outcome is (
        Seat.SOLD_OUT
    )
    await seat_gate.close(REF)
    assert (await seat_gate.join(REF, buyer_id=1, key="k", quantity=1, now=NOW)).outcome is (
        Seat.CLOSED
    )


async def test_release_gives_the_seat_back_once(seat_gate: SeatGate) -> None:
    """A released seat is free for another buyer; releasing twice gives back nothing."""
    await _load(seat_gate, size=2)
    for buyer in (1, 2):
        await seat_gate.join(REF, buyer_id=buyer, key="k", quantity=1, now=NOW)
    assert await seat_gate.release(REF, buyer_id=1) == 1
    assert await seat_gate.release(REF, buyer_id=1) == 0
    assert (await seat_gate.join(REF, buyer_id=3, key="k", quantity=1, now=NOW)).outcome is (
        Seat.RESERVED
    )
    assert (await seat_gate.join(REF, buyer_id=4, key="k", quantity=1, now=NOW)).outcome is (
        Seat.FULL
    )


async def test_concurrent_joins_on_the_last_seat_have_one_winner(seat_gate: SeatGate) -> None:
    """Fifty buyers rush the last seat of a group of three: exactly one gets it."""
    await _load(seat_gate, stock=100)
    for buyer in (1, 2):
        await seat_gate.join(REF, buyer_id=buyer, key="k", quantity=1, now=NOW)
    results = await asyncio.gather(
        *(seat_gate.join(REF, buyer_id=b, key="k", quantity=1, now=NOW) for b in range(10, 60))
    )
    assert [r.outcome for r in results].count(Seat.RESERVED) == 1
    assert {r.outcome for r in results} == {Seat.RESERVED, Seat.FULL}
