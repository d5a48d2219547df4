"""The durable write of a flash sale's winners: DESIGN section 6, step 4.

Winners that arrive while a write is in flight are written together in the next one
(``Checkout.commits``): one transaction, one statement per table, each sent for all the
rows in one round trip. If that transaction fails, it is rolled back and each winner is
written on its own (``write_one``, the ORM path that also serves the gate-less
fallback), so one bad row (a key the database knew and the gate did not, a count the
gate had wrong) never fails the others. Either way a buyer
hears "ordered" only after the commit, and a reservation whose write fails is released.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.catalog.service import load_product
from livecommerce.errors import KeyReused, Unavailable
from livecommerce.orders.checkout import Checkout
from livecommerce.orders.stock import PENDING, Take, take_stock, take_stock_many
from livecommerce.orders.views import OrderView, PlacedOrder, order_news
from livecommerce.promotions import pricing, redemption
from livecommerce.promotions.pricing import Quote
from livecommerce.promotions.views import ClaimView
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import AfterCommit, UnitOfWork
from livecommerce.storage.models import Order

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Target:
    """What one purchase buys: a flash sale's units, or a shelf product in a room."""

    room_id: int
    product_id: int
    sale_id: int | None = None

    @classmethod
    def of_sale(cls, sale: SaleView) -> Target:
        return cls(sale.room_id, sale.product_id, sale.id)


async def find_order(
    session: AsyncSession, buyer_id: int, key: str, target: Target
) -> Order | None:
    """The buyer's order under ``key``; ``KeyReused`` if that key bought something else.

    Keys are unique per buyer, so a key reused on another deal or product would
    otherwise answer with the first purchase and buy nothing.
    """
    found: Order | None = await session.scalar(
        select(Order).where(Order.buyer_id == buyer_id, Order.idempotency_key == key)
    )
    if found is not None and Target(found.room_id or 0, found.product_id, found.sale_id) != target:
        raise KeyReused("this Idempotency-Key was already used for another purchase")
    return found


async def write_winners(
    checkout: Checkout, sale: SaleView, takes: Sequence[Take]
) -> list[PlacedOrder | Exception]:
    """Write reserved winners; each gets its order or the error its own write raised."""
    try:
        return list(await _write_together(checkout, sale, takes))
    except Exception:
        log.info("group write of %d orders failed; writing them one by one", len(takes))
    except BaseException:
        for take in takes:
            await _compensate(checkout, sale, take.buyer_id, take.key, gated=True)
        raise
    return [await _outcome(write_one(checkout, sale, t, gated=True)) for t in takes]


async def _outcome(attempt: Awaitable[R]) -> R | Exception:
    try:
        return await attempt
    except Exception as exc:
        return exc


async def _write_together(
    checkout: Checkout, sale: SaleView, takes: Sequence[Take]
) -> list[PlacedOrder]:
    started = time.perf_counter()
    now = checkout.clock()
    expires_at = now + checkout.payment_ttl
    async with checkout.db.unit_of_work() as uow:
        ids, level = await take_stock_many(uow, sale, takes, now=now, expires_at=expires_at)
        views = [
            OrderView(order_id, t.buyer_id, sale.room_id, sale.product_id, sale.id,
                      t.quantity, sale.price_cents, PENDING, t.key, now,
                      expires_at, None)
            for order_id, t in zip(ids, takes, strict=True)
        ]  # fmt: skip
        for v in views:  # the hub sends a batch's private events beside the replies
            uow.emit_to(sale.room_id, v.buyer_id, order_news(v.id, v.status, sale.id))
        placed = len(views)
        uow.after_commit(
            _announce(checkout, sale, sold=level.sold, quantity=level.quantity, placed=placed)
        )
    elapsed = time.perf_counter() - started
    for _ in views:
        checkout.observe_commit(elapsed)
    return [PlacedOrder(view, created=True) for view in views]


async def write_one(
    checkout: Checkout, sale: SaleView, take: Take, *, gated: bool,
    coupon_claim_id: int | None = None,
) -> PlacedOrder:  # fmt: skip
    """One winner's write; with ``gated`` the gate reservation is released if it fails."""
    buyer_id, key = take.buyer_id, take.key
    started = time.perf_counter()
    try:
        placed = await _commit(checkout, sale, take, check=not gated, claim_id=coupon_claim_id)
        checkout.observe_commit(time.perf_counter() - started)
        return placed
    except IntegrityError:
        # The key was already used: written by a concurrent request, or while the gate
        # was bypassed and so never learned of it.
        await _compensate(checkout, sale, buyer_id, key, gated)
        async with checkout.db.read() as session:
            order = await find_order(session, buyer_id, key, Target.of_sale(sale))
        if order is None:
            raise
        return PlacedOrder(OrderView.of(order), created=False)
    except BaseException:
        await _compensate(checkout, sale, buyer_id, key, gated)
        raise


async def check_deal_coupon(
    session: AsyncSession, checkout: Checkout, sale: SaleView, take: Take, claim_id: int
) -> tuple[Quote, ClaimView | None]:
    """The deal line's price with the buyer's coupon; its refusal if it does not apply
    (``coupon_not_stackable`` unless the coupon may combine with a deal price)."""
    product = await load_product(session, sale.product_id)
    line = pricing.Line(sale.product_id, product.price_cents, take.quantity, sale.price_cents)
    return await redemption.price_with(
        session, line, claim_id=claim_id, buyer_id=take.buyer_id,
        merchant_id=product.merchant_id, now=checkout.clock(),
    )  # fmt: skip


async def _redeem(
    uow: UnitOfWork, checkout: Checkout, sale: SaleView, take: Take, order: Order, claim_id: int
) -> None:
    quote, _ = await check_deal_coupon(uow.session, checkout, sale, take, claim_id)
    order.coupon_claim_id, order.discount_cents = claim_id, quote.discount_cents
    await uow.session.flush()
    await redemption.mark_redeemed(
        uow.session, claim_id=claim_id, buyer_id=take.buyer_id, order_id=order.id,
        now=checkout.clock(),
    )  # fmt: skip


async def _commit(
    checkout: Checkout, sale: SaleView, take: Take, *, check: bool, claim_id: int | None = None
) -> PlacedOrder:
    now = checkout.clock()
    buyer_id, key = take.buyer_id, take.key
    async with checkout.db.unit_of_work() as uow:
        if check:  # without the gate, the database answers what the gate would have
            existing = await find_order(uow.session, buyer_id, key, Target.of_sale(sale))
            if existing is not None:
                return PlacedOrder(OrderView.of(existing), created=False)
        order, level = await take_stock(
            uow, sale, buyer_id=buyer_id, quantity=take.quantity, key=key, now=now,
            expires_at=now + checkout.payment_ttl,
        )  # fmt: skip
        if claim_id is not None:
            await _redeem(uow, checkout, sale, take, order, claim_id)
        view = OrderView.of(order)
        news = order_news(view.id, view.status, sale.id)
        uow.emit_to(sale.room_id, buyer_id, news)
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
