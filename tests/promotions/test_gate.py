"""The claim gate, on memory, Redis and Redis Cluster alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from livecommerce.promotions.gate import ClaimGate, ClaimOutcome, DropRef, GateDrop

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
REF = DropRef(room_id=7, drop_id=3)


def drop(**terms: object) -> GateDrop:
    values: dict[str, object] = {"quantity": 3, "per_buyer_limit": 1, "claim_ends_at": None}
    values.update(terms)
    return GateDrop(REF, **values)  # type: ignore[arg-type]


async def test_claim_duplicate_limit_and_exhaustion(claim_gate: ClaimGate) -> None:
    """A key claims once; a buyer at the limit and a drained drop are refused."""
    await claim_gate.load(drop(quantity=2))
    first = await claim_gate.claim(REF, buyer_id=1, key="a", now=NOW)
    assert (first.outcome, first.remaining) == (ClaimOutcome.CLAIMED, 1)
    again = await claim_gate.claim(REF, buyer_id=1, key="a", now=NOW)
    assert again.outcome is ClaimOutcome.DUPLICATE
    over = await claim_gate.claim(REF, buyer_id=1, key="b", now=NOW)
    assert over.outcome is ClaimOutcome.LIMIT
    assert (await claim_gate.claim(REF, buyer_id=2, key="a", now=NOW)).remaining == 0
    gone = await claim_gate.claim(REF, buyer_id=3, key="a", now=NOW)
    assert gone.outcome is ClaimOutcome.EXHAUSTED
    state = await claim_gate.snapshot(REF)
    assert state is not None and state.claimed == 2 and dict(state.buyers) == {1: 1, 2: 1}


async def test_window_close_and_unlimited(claim_gate: ClaimGate) -> None:
    """Past its end or once closed a drop refuses; an unlimited one reports no count."""
    await claim_gate.load(drop(quantity=None, claim_ends_at=NOW + timedelta(minutes=1)))
    ok = await claim_gate.claim(REF, buyer_id=1, key="a", now=NOW)
    assert (ok.outcome, ok.remaining) == (ClaimOutcome.CLAIMED, None)
    late = await claim_gate.claim(REF, buyer_id=2, key="a", now=NOW + timedelta(minutes=1))
    assert late.outcome is ClaimOutcome.CLOSED
    await claim_gate.load(drop())
    await claim_gate.close(REF)
    assert (
        await claim_gate.claim(REF, buyer_id=2, key="a", now=NOW)
    ).outcome is ClaimOutcome.CLOSED


async def test_release_gives_back_once_and_missing(claim_gate: ClaimGate) -> None:
    """A failed write's release returns the coupon once; an unknown drop is missing."""
    assert (
        await claim_gate.claim(REF, buyer_id=1, key="a", now=NOW)
    ).outcome is ClaimOutcome.MISSING
    await claim_gate.load(drop(quantity=1))
    await claim_gate.claim(REF, buyer_id=1, key="a", now=NOW)
    assert await claim_gate.release(REF, buyer_id=1, key="a") is True
    assert await claim_gate.release(REF, buyer_id=1, key="a") is False
    again = await claim_gate.claim(REF, buyer_id=1, key="b", now=NOW)
    assert (again.outcome, again.remaining) == (ClaimOutcome.CLAIMED, 0)


async def test_a_crowd_takes_exactly_the_quantity(claim_gate: ClaimGate) -> None:
    """300 concurrent claims (some buyers twice) on 50 coupons: 50 win, nobody over 1."""
    await claim_gate.load(drop(quantity=50))
    results = await asyncio.gather(
        *(claim_gate.claim(REF, buyer_id=i % 200, key=f"k{i}", now=NOW) for i in range(300))
    )
    winners = [i % 200 for i, r in enumerate(results) if r.outcome is ClaimOutcome.CLAIMED]
    assert len(winners) == 50 and len(set(winners)) == 50
    state = await claim_gate.snapshot(REF)
    assert state is not None and state.claimed == 50 and max(state.buyers.values()) == 1
