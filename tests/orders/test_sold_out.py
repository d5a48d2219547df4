from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from livecommerce.errors import LimitExceeded, SaleNotLive, SoldOut
from livecommerce.orders.gate import (
    GateResult,
    GateSale,
    HolderReader,
    Holders,
    SaleRef,
    StockGate,
)
from livecommerce.orders.placement import place_order, quick_refusal
from livecommerce.orders.sold_out import SoldOutMark
from tests.orders.conftest import World


class CountingGate:
    """Passes every call to a real gate and counts them by name."""

    def __init__(self, inner: StockGate) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.holder_reads: list[Holders | None] = []

    async def load(self, sale: GateSale) -> None:
        self.calls.append("load")
        await self.inner.load(sale)

    async def reserve(
        self, ref: SaleRef, *, buyer_id: int, key: str, quantity: int, now: datetime
    ) -> GateResult:
        self.calls.append("reserve")
        return await self.inner.reserve(ref, buyer_id=buyer_id, key=key, quantity=quantity, now=now)

    async def held(self, ref: SaleRef, *, buyer_id: int, key: str) -> int | None:
        self.calls.append("held")
        return await self.inner.held(ref, buyer_id=buyer_id, key=key)

    async def holders(self, ref: SaleRef, *, known: str | None) -> Holders | None:
        self.calls.append("holders")
        assert isinstance(self.inner, HolderReader)
        found = await self.inner.holders(ref, known=known)
        self.holder_reads.append(found)
        return found

    async def release(self, ref: SaleRef, *, buyer_id: int, key: str, forget: bool) -> int:
        self.calls.append("release")
        return await self.inner.release(ref, buyer_id=buyer_id, key=key, forget=forget)

    async def snapshot(self, ref: SaleRef) -> GateSale | None:
        self.calls.append("snapshot")
        return await self.inner.snapshot(ref)

    async def drop(self, ref: SaleRef) -> None:
        await self.inner.drop(ref)

    async def epoch(self) -> str:
        return await self.inner.epoch()


async def buy(w: World, buyer: int, sale_id: int, key: str, q: int = 1) -> Any:
    return await place_order(w.checkout, buyer_id=buyer, sale_id=sale_id, quantity=q, key=key)


def age(mark: SoldOutMark, w: World) -> None:
    """Make the mark just older than its ttl, as if time had passed."""
    mark.since -= w.checkout.marks.ttl + 0.01


async def settled(mark: SoldOutMark | None) -> SoldOutMark:
    """The mark once its read of the holders is back."""
    assert mark is not None
    for _ in range(200):
        if not mark.reading:
            return mark
        await asyncio.sleep(0.005)
    raise AssertionError("the holders were never read")


@pytest.fixture
def counting(world: World) -> CountingGate:
    gate = CountingGate(world.checkout.gate)
    world.checkout.gate = gate
    return gate


async def test_after_the_sell_out_others_are_refused_without_asking_the_gate(
    world: World, counting: CountingGate
) -> None:
    """Once the holders are read, an attempt by anyone else is refused here, no I/O."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    await buy(world, world.buyer_ids[0], sale_id, "won")
    mark = await settled(world.checkout.sold_out(sale_id))
    assert mark.holders == frozenset({(world.buyer_ids[0], "won")})
    counting.calls.clear()
    for buyer in world.buyer_ids[1:]:
        with pytest.raises(SoldOut, match="sold out"):
            await buy(world, buyer, sale_id, "late")
    assert counting.calls == []


async def test_a_holder_retrying_its_key_still_gets_its_order(
    world: World, counting: CountingGate
) -> None:
    """The holder's own key is not refused by the mark: the gate finds its order."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    first = await buy(world, world.buyer_ids[0], sale_id, "won")
    await settled(world.checkout.sold_out(sale_id))
    again = await buy(world, world.buyer_ids[0], sale_id, "won")
    assert (again.order, again.created) == (first.order, False)
    assert "reserve" in counting.calls


async def test_quick_refusal_answers_only_what_needs_no_io(world: World) -> None:
    """quick_refusal knows cancelled, over-the-limit and sold-out-to-strangers; else None."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    buyer, other = world.buyer_ids[0], world.buyer_ids[1]

    def quick(who: int, key: str, q: int = 1) -> Exception | None:
        return quick_refusal(world.checkout, buyer_id=who, sale_id=sale_id, quantity=q, key=key)

    assert quick(buyer, "won") is None  # the sale was never read here
    await buy(world, buyer, sale_id, "won")
    await settled(world.checkout.sold_out(sale_id))
    assert isinstance(quick(other, "k"), SoldOut)
    assert quick(buyer, "won") is None  # a holder: only the gate can answer
    assert isinstance(quick(other, "k", 2), LimitExceeded)
    assert quick(other, "", 1) is None and quick(other, "k", 0) is None  # the full path says
    cancelled = await world.make_sale(status="cancelled")
    with pytest.raises(SaleNotLive):
        await buy(world, buyer, cancelled, "c")
    refusal = quick_refusal(world.checkout, buyer_id=other, sale_id=cancelled, quantity=1, key="c")
    assert isinstance(refusal, SaleNotLive)


async def test_an_expired_mark_is_renewed_without_reading_the_holders_again(
    world: World, counting: CountingGate
) -> None:
    """Past its ttl the mark keeps answering while one read renews it; with no new
    reservation that read carries no holders."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    await buy(world, world.buyer_ids[0], sale_id, "won")
    mark = await settled(world.checkout.sold_out(sale_id))
    age(mark, world)
    assert world.checkout.sold_out(sale_id) is mark  # still answering, renewing
    await settled(mark)
    assert world.checkout.sold_out(sale_id) is mark and mark.holders == frozenset(
        {(world.buyer_ids[0], "won")}
    )
    last = counting.holder_reads[-1]
    assert last is not None and last.keys is None


async def test_stock_coming_back_elsewhere_reopens_the_sale_here(
    world: World, counting: CountingGate
) -> None:
    """Units released on another node drop this node's mark at its next renewal, and
    the next attempt goes to the gate and wins."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    await buy(world, world.buyer_ids[0], sale_id, "won")
    mark = await settled(world.checkout.sold_out(sale_id))
    ref = SaleRef(world.room_id, sale_id)
    await counting.inner.release(ref, buyer_id=world.buyer_ids[0], key="won", forget=False)
    age(mark, world)
    await settled(world.checkout.sold_out(sale_id))
    assert world.checkout.sold_out(sale_id) is None
    assert quick_refusal(
        world.checkout, buyer_id=world.buyer_ids[1], sale_id=sale_id, quantity=1, key="k"
    ) is None  # fmt: skip


async def test_a_key_reserved_elsewhere_after_a_reopening_is_learned(
    world: World, counting: CountingGate
) -> None:
    """Sold out again on another node: the renewal reads the new holders, so the new
    winner's retry here reaches the gate rather than a wrong refusal."""
    sale_id = await world.make_sale(quantity=1, limit=1)
    first, second = world.buyer_ids[0], world.buyer_ids[1]
    await buy(world, first, sale_id, "won")
    mark = await settled(world.checkout.sold_out(sale_id))
    ref = SaleRef(world.room_id, sale_id)
    await counting.inner.release(ref, buyer_id=first, key="won", forget=False)
    now = world.clock.now
    await counting.inner.reserve(ref, buyer_id=second, key="new", quantity=1, now=now)
    assert mark.refuses(second, "new")  # stale until renewed
    age(mark, world)
    assert world.checkout.sold_out(sale_id) is mark
    await settled(mark)
    assert not mark.refuses(second, "new") and mark.refuses(world.buyer_ids[2], "x")
