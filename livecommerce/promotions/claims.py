"""Claiming a dropped coupon: the claim gate, then the durable write.

Losers (exhausted, over the buyer's limit, outside the window) are answered by the gate
and never touch the database. A winner's claim is written in one transaction: the drop's
``claimed`` by a conditional update (never past ``quantity``), and the claim row, whose
(drop, buyer, ordinal) is unique, so the per-buyer limit holds in the database even if
the gate is wrong. If the write fails the gate gives the coupon back. If the gate is
unreachable the database decides alone (slower, still correct). The same
Idempotency-Key always answers with the same claim. Winners arriving while a drop's
last write commits are written together (``claim_batch``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import (
    Conflict,
    CouponClosed,
    CouponExhausted,
    CouponLimit,
    CouponNotEligible,
    DomainError,
    Unavailable,
)
from livecommerce.follows.following import follows_any
from livecommerce.promotions import claim_batch, drops
from livecommerce.promotions.claim_batch import Winner
from livecommerce.promotions.desk import Coupons
from livecommerce.promotions.events import CouponClaimed, CouponSoldOut
from livecommerce.promotions.gate import ClaimOutcome, ClaimResult, check_key
from livecommerce.promotions.views import ClaimView, DropView, PlacedClaim
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import (
    CouponClaim,
    CouponDrop,
    CouponTemplate,
    Order,
    Product,
    Room,
)

log = logging.getLogger(__name__)

DUPLICATE_WAIT, DUPLICATE_POLL = 2.0, 0.05
BUYING = ("pending_payment", "paid", "refunded")  # orders that make a buyer not first-time


async def claim_coupon(coupons: Coupons, *, buyer_id: int, drop_id: int, key: str) -> PlacedClaim:
    """Claim one coupon of the drop; the same ``key`` answers with the same claim."""
    check_key(key)
    drop = await _drop(coupons, drop_id)
    try:
        result = await _judge(coupons, drop, buyer_id, key)
    except Unavailable:
        log.warning("claim gate unreachable; drop %d goes straight to the database", drop_id)
        return await _write(coupons, drop, buyer_id, key, gated=False)
    if result.outcome is ClaimOutcome.DUPLICATE:
        existing = await _wait_for_claim(coupons, drop, buyer_id, key)
        if existing is not None:
            return PlacedClaim(existing, created=False)
        # The node that took it died before its write: give it back, judge afresh.
        await coupons.gate.release(drop.ref, buyer_id=buyer_id, key=key)
        result = await _judge(coupons, drop, buyer_id, key)
        if result.outcome is ClaimOutcome.DUPLICATE:
            raise Conflict("a claim with this Idempotency-Key is still being written; retry")
    if result.outcome is ClaimOutcome.CLAIMED:
        return await _write_gated(coupons, drop, buyer_id, key)
    raise _refusal(result)


async def _write_gated(coupons: Coupons, drop: DropView, buyer_id: int, key: str) -> PlacedClaim:
    """The gate's winner written with the drop's other winners waiting now."""

    async def write_many(winners: Sequence[Winner]) -> list[PlacedClaim | Exception]:
        return await _write_many(coupons, drop, winners)

    return await coupons.writes.submit(drop.id, (buyer_id, key), write_many)


async def _write_many(
    coupons: Coupons, drop: DropView, winners: Sequence[Winner]
) -> list[PlacedClaim | Exception]:
    if len(winners) == 1:
        return await _singly(coupons, drop, winners)
    try:
        async with coupons.db.unit_of_work() as uow:
            taken = await claim_batch.take_many(coupons, uow, drop, winners)
    except (claim_batch.Single, IntegrityError):
        return await _singly(coupons, drop, winners)
    except Exception as exc:
        for buyer, key in winners:
            await _give_back(coupons, drop, buyer, key, True)
        return [exc] * len(winners)
    answers: list[PlacedClaim | Exception] = []
    for (buyer, key), claim in zip(winners, taken, strict=True):
        if isinstance(claim, DomainError):
            await _give_back(coupons, drop, buyer, key, True)
            answers.append(claim)
        else:
            answers.append(PlacedClaim(claim, created=True))
    return answers


async def _singly(
    coupons: Coupons, drop: DropView, winners: Sequence[Winner]
) -> list[PlacedClaim | Exception]:
    """Each winner in its own transaction, at once (each gives its coupon back if its
    write fails)."""
    found = await asyncio.gather(
        *(_write(coupons, drop, b, k, gated=True) for b, k in winners), return_exceptions=True
    )
    for answer in found:
        if isinstance(answer, BaseException) and not isinstance(answer, Exception):
            raise answer
    return [a for a in found if not isinstance(a, BaseException) or isinstance(a, Exception)]


def _refusal(result: ClaimResult) -> Exception:
    if result.outcome is ClaimOutcome.EXHAUSTED:
        return CouponExhausted("every coupon of this drop is claimed")
    if result.outcome is ClaimOutcome.LIMIT:
        return CouponLimit("you already hold as many of this coupon as one buyer may claim")
    return CouponClosed("this coupon can no longer be claimed")


async def _drop(coupons: Coupons, drop_id: int) -> DropView:
    cached = coupons.drops.get(drop_id)
    if cached is None:
        async with coupons.db.read() as session:
            cached = await drops.load_drop(session, drop_id, coupons.clock())
        if len(coupons.drops) > 10_000:
            coupons.drops.clear()
        coupons.drops[drop_id] = cached
    return cached


async def reload_gate(coupons: Coupons, drop_id: int) -> None:
    """Load one drop's gate from the rows (the authority)."""
    async with coupons.db.read() as session:
        drop = await drops.load_drop(session, drop_id, coupons.clock())
        state = await drops.gate_state(session, drop)
    await coupons.gate.load(state)


async def _judge(coupons: Coupons, drop: DropView, buyer_id: int, key: str) -> ClaimResult:
    async def attempt() -> ClaimResult:
        return await coupons.gate.claim(drop.ref, buyer_id=buyer_id, key=key, now=coupons.clock())

    result = await attempt()
    if result.outcome is ClaimOutcome.MISSING:
        await reload_gate(coupons, drop.id)
        result = await attempt()
        if result.outcome is ClaimOutcome.MISSING:
            raise Unavailable("the claim gate lost the drop again")
    return result


async def _find(session: AsyncSession, drop_id: int, buyer_id: int, key: str) -> ClaimView | None:
    found = (
        await session.execute(
            select(CouponClaim, CouponTemplate)
            .join(CouponDrop, CouponDrop.id == CouponClaim.drop_id)
            .join(CouponTemplate, CouponTemplate.id == CouponDrop.template_id)
            .where(
                CouponClaim.drop_id == drop_id,
                CouponClaim.user_id == buyer_id,
                CouponClaim.idempotency_key == key,
            )
        )
    ).first()
    return None if found is None else ClaimView.of(found[0], found[1])


async def _wait_for_claim(
    coupons: Coupons, drop: DropView, buyer_id: int, key: str
) -> ClaimView | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DUPLICATE_WAIT
    while True:
        async with coupons.db.read() as session:
            found = await _find(session, drop.id, buyer_id, key)
        if found is not None or loop.time() >= deadline:
            return found
        await asyncio.sleep(DUPLICATE_POLL)


async def _write(
    coupons: Coupons, drop: DropView, buyer_id: int, key: str, *, gated: bool
) -> PlacedClaim:
    try:
        async with coupons.db.unit_of_work() as uow:
            existing = await _find(uow.session, drop.id, buyer_id, key)
            if existing is not None:
                return PlacedClaim(existing, created=False)
            return PlacedClaim(await _take(coupons, uow, drop, buyer_id, key), created=True)
    except IntegrityError:
        # A racing claim of the same buyer won the ordinal or the key.
        await _give_back(coupons, drop, buyer_id, key, gated)
        async with coupons.db.read() as session:
            found = await _find(session, drop.id, buyer_id, key)
        if found is None:
            raise CouponLimit("another claim of yours was taken at the same moment") from None
        return PlacedClaim(found, created=False)
    except BaseException:
        await _give_back(coupons, drop, buyer_id, key, gated)
        raise


async def _give_back(
    coupons: Coupons, drop: DropView, buyer_id: int, key: str, gated: bool
) -> None:
    if gated:
        try:
            await coupons.gate.release(drop.ref, buyer_id=buyer_id, key=key)
        except Unavailable:
            log.warning("claim gate unreachable; drop %d keeps a coupon until reload", drop.id)


async def _first_time(session: AsyncSession, buyer_id: int, merchant_id: int) -> bool:
    query = (
        select(func.count())
        .select_from(Order)
        .join(Product, Product.id == Order.product_id)
        .where(
            Order.buyer_id == buyer_id,
            Product.merchant_id == merchant_id,
            Order.status.in_(BUYING),
        )
    )
    return not await session.scalar(query)


async def _follower(session: AsyncSession, buyer_id: int, merchant_id: int, room_id: int) -> bool:
    room = await session.get(Room, room_id)
    followed = [merchant_id] if room is None else [merchant_id, room.host_id]
    return await follows_any(session, buyer_id, followed)


async def _take(
    coupons: Coupons, uow: UnitOfWork, drop: DropView, buyer_id: int, key: str
) -> ClaimView:
    session, now = uow.session, coupons.clock()
    fresh = await drops.load_drop(session, drop.id, now)
    if not fresh.open:
        raise CouponClosed("this coupon can no longer be claimed")
    template = fresh.template
    if template.audience == "first_time" and not await _first_time(
        session, buyer_id, template.merchant_id
    ):
        raise CouponNotEligible("this coupon is for first-time buyers of the shop")
    if template.audience == "followers" and not await _follower(
        session, buyer_id, template.merchant_id, drop.room_id
    ):
        raise CouponNotEligible("this coupon is for followers of the shop or its host")
    held = await session.scalar(
        select(func.count())
        .select_from(CouponClaim)
        .where(CouponClaim.drop_id == drop.id, CouponClaim.user_id == buyer_id)
    )
    ordinal = int(held or 0) + 1
    if ordinal > fresh.per_buyer_limit:
        raise CouponLimit("you already hold as many of this coupon as one buyer may claim")
    d = CouponDrop
    taken = await session.execute(
        update(d)
        .where(d.id == drop.id, d.quantity.is_(None) | (d.claimed < d.quantity))
        .values(claimed=d.claimed + 1)
        .returning(d.claimed, d.quantity)
        .execution_options(synchronize_session=False)
    )
    level = taken.first()
    if level is None:
        raise CouponExhausted("every coupon of this drop is claimed")
    claimed, quantity = int(level[0]), level[1]
    row = CouponClaim(
        drop_id=drop.id, user_id=buyer_id, ordinal=ordinal, idempotency_key=key,
        status="available", claimed_at=now, expires_at=fresh.valid_until(now),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    uow.emit_to(
        drop.room_id, buyer_id,
        CouponClaimed(claim_id=row.id, drop_id=drop.id, expires_at=row.expires_at.isoformat()),
    )  # fmt: skip
    if quantity is not None and claimed >= quantity:
        uow.emit(drop.room_id, CouponSoldOut(drop_id=drop.id))

    async def announce() -> None:
        coupons.news.record(drop.room_id, drop.id, claimed=claimed, quantity=quantity)

    uow.after_commit(announce)
    template_row = await session.get(CouponTemplate, template.id)
    assert template_row is not None
    return ClaimView.of(row, template_row)
