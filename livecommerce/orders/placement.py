"""Placing an order on a flash sale: DESIGN section 6, steps 1 to 4 and 7.

Sold-out flag, then the stock gate, then the durable write (``writer``: the sale's
count, the buyer's counter and the order, in one transaction shared with the winners
arriving at the same time). Losers are answered before the database; once this node
has seen the sale sell out, most of them before Redis too (``quick_refusal``). A
reservation whose write fails is released. If the gate is unreachable, one transaction
per attempt decides alone (slower, still correct).
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from livecommerce.errors import (
    Conflict,
    DomainError,
    LimitExceeded,
    SaleCancelled,
    SaleEnded,
    SaleNotLive,
    SaleNotStarted,
    SoldOut,
    Unavailable,
)
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import MAX_KEY_LENGTH, GateResult, Outcome, check_request
from livecommerce.orders.reconcile import reconcile_sale
from livecommerce.orders.stock import Take
from livecommerce.orders.views import OrderView, PlacedOrder
from livecommerce.orders.writer import (
    Target,
    check_deal_coupon,
    find_order,
    write_one,
    write_winners,
)
from livecommerce.sales.lifecycle import SaleStatus
from livecommerce.sales.views import SaleView

log = logging.getLogger(__name__)

# How long a repeat of an attempt still being written waits for the first one.
DUPLICATE_WAIT, DUPLICATE_POLL = 2.0, 0.05


async def place_order(
    checkout: Checkout, *, buyer_id: int, sale_id: int, quantity: int, key: str,
    coupon_claim_id: int | None = None,
) -> PlacedOrder:  # fmt: skip
    """Order ``quantity`` units; the same ``key`` always answers with the same order.

    With ``coupon_claim_id`` the attempt leaves the fast path: the coupon is checked in
    the database first (a deal price stacks only with a coupon allowed to), and the
    winner is written alone, the coupon redeemed in its transaction."""
    check_request(key, quantity)
    sale = await checkout.sale(sale_id)
    refusal = _known_refusal(checkout, sale, buyer_id, quantity, key)
    if refusal is not None:
        raise refusal
    if coupon_claim_id is not None:
        return await _place_with_coupon(
            checkout, sale, Take(buyer_id, key, quantity), coupon_claim_id
        )
    mark = checkout.sold_out(sale_id)
    # Holders not read (yet): ask the gate about this key.
    unread = mark is not None and mark.holders is None
    if unread and await _known_key(checkout, sale, buyer_id, key) is None:
        raise SoldOut("the flash sale is sold out")
    take = Take(buyer_id, key, quantity)
    try:
        result = await _reserve(checkout, sale, buyer_id, key, quantity)
    except Unavailable:
        log.warning("stock gate unreachable; sale %d goes straight to the database", sale_id)
        checkout.gate_stale = True
        return await write_one(checkout, sale, take, gated=False)
    if result.outcome is Outcome.DUPLICATE:
        existing = await _wait_for_order(checkout, sale, buyer_id, key)
        if existing is not None:
            return PlacedOrder(existing, created=False)
        result = await _reserve_orphaned(checkout, sale, take)
    if result.outcome is Outcome.RESERVED:
        if result.remaining == 0:
            checkout.mark_sold_out(sale.ref)
        return await _write_reserved(checkout, sale, take)
    if result.outcome is Outcome.SOLD_OUT and result.remaining == 0:
        checkout.mark_sold_out(sale.ref)
    raise _refusal(sale, result)


async def _place_with_coupon(
    checkout: Checkout, sale: SaleView, take: Take, claim_id: int
) -> PlacedOrder:
    async with checkout.db.read() as session:
        existing = await find_order(session, take.buyer_id, take.key, Target.of_sale(sale))
        if existing is not None:
            return PlacedOrder(OrderView.of(existing), created=False)
        await check_deal_coupon(session, checkout, sale, take, claim_id)
    try:
        result = await _reserve(checkout, sale, take.buyer_id, take.key, take.quantity)
    except Unavailable:
        checkout.gate_stale = True
        return await write_one(checkout, sale, take, gated=False, coupon_claim_id=claim_id)
    if result.outcome is Outcome.DUPLICATE:
        existing_view = await _wait_for_order(checkout, sale, take.buyer_id, take.key)
        if existing_view is not None:
            return PlacedOrder(existing_view, created=False)
        result = await _reserve_orphaned(checkout, sale, take)
    if result.outcome is not Outcome.RESERVED:
        raise _refusal(sale, result)
    if result.remaining == 0:
        checkout.mark_sold_out(sale.ref)
    return await write_one(checkout, sale, take, gated=True, coupon_claim_id=claim_id)


async def _write_reserved(checkout: Checkout, sale: SaleView, take: Take) -> PlacedOrder:
    try:
        return await checkout.commits.submit(sale.id, take, partial(write_winners, checkout, sale))
    except SaleNotLive:
        # The gate let through an attempt the database refused: its copy of the window
        # is stale (the show ended it early, or Redis came back with an old copy).
        await _resync_gate(checkout, sale.id)
        raise


async def _resync_gate(checkout: Checkout, sale_id: int) -> None:
    """Reload one sale's gate from the database, once however many attempts ask."""
    if sale_id in checkout.resyncing:
        return
    checkout.resyncing.add(sale_id)
    try:
        await reconcile_sale(checkout, sale_id)
        await checkout.sale(sale_id, refresh=True)
    except Unavailable:
        checkout.gate_stale = True
    finally:
        checkout.resyncing.discard(sale_id)


async def _reserve_orphaned(checkout: Checkout, sale: SaleView, take: Take) -> GateResult:
    """The gate holds the key but no order was written: the node that reserved it died
    before its write. Its units go back and this attempt is judged afresh."""
    log.warning("releasing orphaned reservation of buyer %d on sale %d", take.buyer_id, sale.id)
    await checkout.gate.release(sale.ref, buyer_id=take.buyer_id, key=take.key, forget=True)
    checkout.clear_sold_out(sale.id)
    result = await _reserve(checkout, sale, take.buyer_id, take.key, take.quantity)
    if result.outcome is Outcome.DUPLICATE:  # another retry of the same key got there first
        raise Conflict("an order with this Idempotency-Key is still being placed; retry")
    return result


def quick_refusal(
    checkout: Checkout, *, buyer_id: int, sale_id: int, quantity: int, key: str
) -> DomainError | None:
    """The refusal ``place_order`` would give if it is known here without any I/O (no
    database, no gate); ``None`` means only ``place_order`` can tell."""
    sale = checkout.cached_sale(sale_id)
    if sale is None or quantity < 1 or not key or len(key) > MAX_KEY_LENGTH:
        return None
    return _known_refusal(checkout, sale, buyer_id, quantity, key)


def _known_refusal(
    checkout: Checkout, sale: SaleView, buyer_id: int, quantity: int, key: str
) -> DomainError | None:
    if sale.status == SaleStatus.CANCELLED:
        return SaleCancelled("the flash sale was cancelled")
    if quantity > sale.per_user_limit:
        return LimitExceeded(f"at most {sale.per_user_limit} per buyer for this flash sale")
    mark = checkout.sold_out(sale.id)
    if mark is not None and mark.refuses(buyer_id, key):
        return SoldOut("the flash sale is sold out")
    return None


async def _known_key(checkout: Checkout, sale: SaleView, buyer_id: int, key: str) -> int | None:
    try:
        return await checkout.gate.held(sale.ref, buyer_id=buyer_id, key=key)
    except Unavailable:
        return 0  # unknown; let the database path below decide


async def _reserve(
    checkout: Checkout, sale: SaleView, buyer_id: int, key: str, quantity: int
) -> GateResult:
    async def attempt() -> GateResult:
        started = time.perf_counter()
        result = await checkout.gate.reserve(
            sale.ref, buyer_id=buyer_id, key=key, quantity=quantity, now=checkout.clock()
        )
        checkout.observe_gate(time.perf_counter() - started)
        return result

    result = await attempt()
    if result.outcome is Outcome.MISSING:
        fresh = await reconcile_sale(checkout, sale.id)
        if fresh.status == SaleStatus.CANCELLED:
            await checkout.sale(sale.id, refresh=True)  # remember it: final
            raise SaleCancelled("the flash sale was cancelled")
        result = await attempt()
        if result.outcome is Outcome.MISSING:
            raise Unavailable("the stock gate lost the sale again")
    return result


def _refusal(sale: SaleView, result: GateResult) -> Exception:
    if result.outcome is Outcome.SOLD_OUT:
        if result.remaining == 0:
            return SoldOut("the flash sale is sold out")
        return SoldOut(f"only {result.remaining} left")
    if result.outcome is Outcome.LIMIT_EXCEEDED:
        return LimitExceeded(
            f"at most {sale.per_user_limit} per buyer; you already hold {result.units}"
        )
    if result.outcome is Outcome.NOT_STARTED:
        return SaleNotStarted("the flash sale has not started yet")
    return SaleEnded("the flash sale has ended")


async def _wait_for_order(
    checkout: Checkout, sale: SaleView, buyer_id: int, key: str
) -> OrderView | None:
    """The order behind a duplicate key, waiting briefly if its write is in flight;
    ``None`` if none appeared in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DUPLICATE_WAIT
    target = Target.of_sale(sale)
    while True:
        async with checkout.db.read() as session:
            order = await find_order(session, buyer_id, key, target)
        if order is not None:
            return OrderView.of(order)
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(DUPLICATE_POLL)
