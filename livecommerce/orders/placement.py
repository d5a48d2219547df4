"""Placing an order on a flash sale: DESIGN section 6, steps 1 to 4 and 7.

Sold-out flag, then the stock gate, then one transaction writing the sale's count, the
buyer's counter and the order. Losers are answered before the database. A reservation
whose write fails is released. If the gate is unreachable, the same transaction alone
decides (slower, still correct).
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import (
    Conflict,
    LimitExceeded,
    SaleNotLive,
    SoldOut,
    Unavailable,
)
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.gate import GateResult, Outcome, check_request
from livecommerce.orders.reconcile import reconcile_sale
from livecommerce.orders.stock import take_stock
from livecommerce.orders.views import ORDER_UPDATED, OrderView, PlacedOrder, order_news
from livecommerce.sales.lifecycle import SaleStatus
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import AfterCommit
from livecommerce.storage.models import Order

log = logging.getLogger(__name__)

# How long a repeat of an attempt still being written waits for the first one.
DUPLICATE_WAIT, DUPLICATE_POLL = 2.0, 0.05


async def place_order(
    checkout: Checkout, *, buyer_id: int, sale_id: int, quantity: int, key: str
) -> PlacedOrder:
    """Order ``quantity`` units; the same ``key`` always answers with the same order."""
    check_request(key, quantity)
    sale = await checkout.sale(sale_id)
    if sale.status == SaleStatus.CANCELLED:
        raise SaleNotLive("the flash sale was cancelled")
    if quantity > sale.per_user_limit:
        raise LimitExceeded(f"at most {sale.per_user_limit} per buyer for this flash sale")
    if checkout.is_sold_out(sale_id) and await _known_key(checkout, sale, buyer_id, key) is None:
        raise SoldOut("the flash sale is sold out")
    try:
        result = await _reserve(checkout, sale, buyer_id, key, quantity)
    except Unavailable:
        log.warning("stock gate unreachable; sale %d goes straight to the database", sale_id)
        checkout.gate_stale = True
        return await _write(checkout, sale, buyer_id, key, quantity, gated=False)
    if result.outcome is Outcome.RESERVED:
        if result.remaining == 0:
            checkout.mark_sold_out(sale_id)
        return await _write(checkout, sale, buyer_id, key, quantity, gated=True)
    if result.outcome is Outcome.DUPLICATE:
        return PlacedOrder(await _wait_for_order(checkout, buyer_id, key), created=False)
    raise _refusal(checkout, sale, result)


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
            raise SaleNotLive("the flash sale was cancelled")
        result = await attempt()
        if result.outcome is Outcome.MISSING:
            raise Unavailable("the stock gate lost the sale again")
    return result


def _refusal(checkout: Checkout, sale: SaleView, result: GateResult) -> Exception:
    if result.outcome is Outcome.SOLD_OUT:
        if result.remaining == 0:
            checkout.mark_sold_out(sale.id)
            return SoldOut("the flash sale is sold out")
        return SoldOut(f"only {result.remaining} left")
    if result.outcome is Outcome.LIMIT_EXCEEDED:
        return LimitExceeded(
            f"at most {sale.per_user_limit} per buyer; you already hold {result.units}"
        )
    if result.outcome is Outcome.NOT_STARTED:
        return SaleNotLive("the flash sale has not started yet")
    return SaleNotLive("the flash sale has ended")


async def find_order(session: AsyncSession, buyer_id: int, key: str) -> Order | None:
    found: Order | None = await session.scalar(
        select(Order).where(Order.buyer_id == buyer_id, Order.idempotency_key == key)
    )
    return found


async def _wait_for_order(checkout: Checkout, buyer_id: int, key: str) -> OrderView:
    """The order behind a duplicate key, waiting briefly if its write is in flight."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DUPLICATE_WAIT
    while True:
        async with checkout.db.read() as session:
            order = await find_order(session, buyer_id, key)
        if order is not None:
            return OrderView.of(order)
        if loop.time() >= deadline:
            raise Conflict("an order with this Idempotency-Key is still being placed; retry")
        await asyncio.sleep(DUPLICATE_POLL)


def _check_window(checkout: Checkout, sale: SaleView) -> None:
    now = checkout.clock()
    if now < sale.starts_at:
        raise SaleNotLive("the flash sale has not started yet")
    if now >= sale.ends_at:
        raise SaleNotLive("the flash sale has ended")


async def _write(
    checkout: Checkout, sale: SaleView, buyer_id: int, key: str, quantity: int, *, gated: bool
) -> PlacedOrder:
    """The durable write; with ``gated`` the gate reservation is released if it fails."""
    started = time.perf_counter()
    try:
        placed = await _commit(checkout, sale, buyer_id, key, quantity, check=not gated)
        checkout.observe_commit(time.perf_counter() - started)
        return placed
    except IntegrityError:
        # The key was already used: written by a concurrent request, or while the gate
        # was bypassed and so never learned of it.
        await _compensate(checkout, sale, buyer_id, key, gated)
        async with checkout.db.read() as session:
            order = await find_order(session, buyer_id, key)
        if order is None:
            raise
        return PlacedOrder(OrderView.of(order), created=False)
    except BaseException:
        await _compensate(checkout, sale, buyer_id, key, gated)
        raise


async def _commit(
    checkout: Checkout, sale: SaleView, buyer_id: int, key: str, quantity: int, *, check: bool
) -> PlacedOrder:
    now = checkout.clock()
    async with checkout.db.unit_of_work() as uow:
        if check:  # without the gate, the database answers what the gate would have
            existing = await find_order(uow.session, buyer_id, key)
            if existing is not None:
                return PlacedOrder(OrderView.of(existing), created=False)
            _check_window(checkout, sale)
        order, level = await take_stock(
            uow, sale, buyer_id=buyer_id, quantity=quantity, key=key, now=now,
            expires_at=now + checkout.payment_ttl,
        )  # fmt: skip
        view = OrderView.of(order)
        news = order_news(view.id, view.status, sale.id)
        uow.notify_after_commit(sale.room_id, buyer_id, ORDER_UPDATED, news)
        uow.after_commit(
            _announce(checkout, sale, sold=level.sold, quantity=level.quantity, placed=1)
        )
    return PlacedOrder(view, created=True)


def _announce(
    checkout: Checkout, sale: SaleView, *, sold: int, quantity: int, placed: int
) -> AfterCommit:
    async def hook() -> None:
        checkout.news.record(sale.room_id, sale.id, sold=sold, quantity=quantity, placed=placed)

    return hook


async def _compensate(
    checkout: Checkout, sale: SaleView, buyer_id: int, key: str, gated: bool
) -> None:
    if not gated:
        return
    # If the gate is unreachable now, it keeps the units until the next rebuild.
    with suppress(Unavailable):
        await checkout.gate.release(sale.ref, buyer_id=buyer_id, key=key, forget=True)
    checkout.clear_sold_out(sale.id)
