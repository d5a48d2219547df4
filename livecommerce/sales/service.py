"""Flash sales: schedule a deal on a shelf product, cancel it before it starts, read it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import load_product, return_product_stock, take_product_stock
from livecommerce.errors import InvalidInput, NotFound, RoomEnded, SaleOverlaps
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.sales import events
from livecommerce.sales.lifecycle import OPEN_STATUSES, SaleStatus, transition
from livecommerce.sales.views import SaleView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import FlashSale, RoomProduct, utcnow

MAX_PRICE_CENTS = 100_000_000
MAX_DURATION = timedelta(days=7)
# A start a few seconds in the past is a "now" that crossed the network, not a mistake.
START_SLACK = timedelta(seconds=30)


def resolve_window(
    now: datetime,
    *,
    starts_at: datetime | None,
    countdown_seconds: int | None,
    ends_at: datetime | None,
    duration_seconds: int | None,
) -> tuple[datetime, datetime]:
    """Turn "at a time or after a countdown" and "until a time or for a duration" into a window."""
    if (starts_at is None) == (countdown_seconds is None):
        raise InvalidInput("give exactly one of starts_at and countdown_seconds")
    if (ends_at is None) == (duration_seconds is None):
        raise InvalidInput("give exactly one of ends_at and duration_seconds")
    if countdown_seconds is not None and countdown_seconds < 0:
        raise InvalidInput("countdown_seconds must not be negative")
    start = starts_at if starts_at is not None else now + timedelta(seconds=countdown_seconds or 0)
    if start.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise InvalidInput("times need a time zone (e.g. ...Z)")
    end = ends_at if ends_at is not None else start + timedelta(seconds=duration_seconds or 0)
    if start < now - START_SLACK:
        raise InvalidInput("starts_at is in the past")
    if not start < end <= start + MAX_DURATION:
        raise InvalidInput("ends_at must be after starts_at, at most 7 days later")
    return start, end


def _check_terms(price_cents: int, quantity: int, per_user_limit: int, stock: int) -> None:
    if not 0 < price_cents <= MAX_PRICE_CENTS:
        raise InvalidInput(f"price_cents must be between 1 and {MAX_PRICE_CENTS}")
    if quantity < 1:
        raise InvalidInput("quantity must be at least 1")
    if quantity > stock:
        raise InvalidInput(f"quantity {quantity} is more than the product's stock ({stock})")
    if per_user_limit < 1:
        raise InvalidInput("per_user_limit must be at least 1")


async def schedule_sale(
    uow: UnitOfWork,
    *,
    caller: Principal,
    room_id: int,
    product_id: int,
    price_cents: int,
    quantity: int,
    per_user_limit: int = 1,
    starts_at: datetime | None = None,
    countdown_seconds: int | None = None,
    ends_at: datetime | None = None,
    duration_seconds: int | None = None,
    now: datetime | None = None,
) -> SaleView:
    session = uow.session
    room = await load_room(session, room_id)
    await require_manager(session, room, caller)
    if room.status == RoomStatus.ENDED:
        raise RoomEnded("the room has ended")
    if await session.get(RoomProduct, (room_id, product_id)) is None:
        raise InvalidInput(f"product {product_id} is not on this room's shelf")
    product = await load_product(session, product_id)
    _check_terms(price_cents, quantity, per_user_limit, product.stock_on_hand)
    start, end = resolve_window(
        now or utcnow(), starts_at=starts_at, countdown_seconds=countdown_seconds,
        ends_at=ends_at, duration_seconds=duration_seconds,
    )  # fmt: skip
    await _refuse_overlap(session, room_id, start, end)
    sale = FlashSale(
        room_id=room_id, product_id=product_id, price_cents=price_cents, quantity=quantity,
        sold=0, per_user_limit=per_user_limit, starts_at=start, ends_at=end,
        status=SaleStatus.SCHEDULED.value,
    )  # fmt: skip
    # The deal's units leave the product's stock now, so ordinary purchases and other
    # deals cannot promise them too; unsold units come back when the deal closes.
    if not await take_product_stock(session, product_id, quantity):
        raise InvalidInput(f"quantity {quantity} is more than the product's stock")
    session.add(sale)
    await session.flush()
    view = SaleView.of(sale)
    uow.emit(room_id, events.SaleScheduled(sale=view.data()))
    return view


async def _refuse_overlap(
    session: AsyncSession, room_id: int, start: datetime, end: datetime
) -> None:
    """A room runs one deal at a time: viewers see one banner and one countdown, so a
    second deal in the same window would sell unseen."""
    clash = await session.scalar(
        select(FlashSale.id)
        .where(
            FlashSale.room_id == room_id,
            FlashSale.status.in_([s.value for s in OPEN_STATUSES]),
            FlashSale.starts_at < end,
            FlashSale.ends_at > start,
        )
        .limit(1)
    )
    if clash is not None:
        raise SaleOverlaps(f"flash sale {clash} is open in this room at that time")


async def load_sale(session: AsyncSession, sale_id: int) -> FlashSale:
    sale = await session.get(FlashSale, sale_id)
    if sale is None:
        raise NotFound(f"flash sale {sale_id} not found")
    return sale


async def get_sale(session: AsyncSession, sale_id: int) -> SaleView:
    return SaleView.of(await load_sale(session, sale_id))


async def list_room_sales(
    session: AsyncSession, room_id: int, *, open_only: bool = False
) -> list[SaleView]:
    query = select(FlashSale).where(FlashSale.room_id == room_id)
    if open_only:
        query = query.where(FlashSale.status.in_([s.value for s in OPEN_STATUSES]))
    rows = await session.scalars(query.order_by(FlashSale.starts_at, FlashSale.id))
    return [SaleView.of(s) for s in rows]


async def claim_transition(
    session: AsyncSession, sale_id: int, current: SaleStatus, target: SaleStatus
) -> bool:
    """Move the sale if it is still ``current``; True for the one caller that moved it."""
    transition(current, target)
    result = await session.execute(
        update(FlashSale)
        .where(FlashSale.id == sale_id, FlashSale.status == current.value)
        .values(status=target.value)
    )
    return bool(getattr(result, "rowcount", 0))


async def close_sale_stock(session: AsyncSession, sale_id: int) -> None:
    """After a claimed move to ended: the unsold units go back to the product.

    Read after the claiming UPDATE, which holds the row lock, so an order expiring at the
    same moment is counted either here or (seeing the sale ended) by itself, never twice.
    """
    sale = await session.get(FlashSale, sale_id, populate_existing=True)
    if sale is not None:
        await return_product_stock(session, sale.product_id, sale.quantity - sale.sold)


async def cancel_sale(uow: UnitOfWork, *, caller: Principal, sale_id: int) -> SaleView:
    session = uow.session
    sale = await load_sale(session, sale_id)
    await require_manager(session, await load_room(session, sale.room_id), caller)
    current = SaleStatus(sale.status)
    transition(current, SaleStatus.CANCELLED)  # a precise message before the race below
    if not await claim_transition(session, sale_id, current, SaleStatus.CANCELLED):
        await session.refresh(sale)  # the scheduler started it meanwhile: say so exactly
        transition(SaleStatus(sale.status), SaleStatus.CANCELLED)
    await session.refresh(sale)
    await return_product_stock(session, sale.product_id, sale.quantity - sale.sold)
    view = SaleView.of(sale)
    uow.emit(sale.room_id, events.SaleCancelled(sale=view.data()))
    return view


async def close_room_sales(uow: UnitOfWork, *, room_id: int, now: datetime) -> list[int]:
    """The show is over: its scheduled deals are cancelled and its live ones end now.

    Returns the ids of the sales it closed, whose gates the caller reloads after commit.
    """
    session = uow.session
    open_sales = list(
        await session.scalars(
            select(FlashSale).where(
                FlashSale.room_id == room_id,
                FlashSale.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
    )
    closed = []
    for sale in open_sales:
        target = await _claim_close(session, sale.id, SaleStatus(sale.status))
        if target is None:
            continue  # closed meanwhile by whoever moved it, who publishes its own event
        if target is SaleStatus.ENDED:
            sale.ends_at = min(sale.ends_at, now)
        await close_sale_stock(session, sale.id)
        await session.refresh(sale)
        kind = events.SaleCancelled if target is SaleStatus.CANCELLED else events.SaleEnded
        uow.emit(room_id, kind(sale=SaleView.of(sale).data()))
        closed.append(sale.id)
    return closed


async def _claim_close(
    session: AsyncSession, sale_id: int, status: SaleStatus
) -> SaleStatus | None:
    """Claim the sale's close (cancelled if scheduled, else ended) and return the state
    claimed; ``None`` if it was closed meanwhile. A move made at the same moment (the
    scheduler starting the deal, a sell-out) is followed, so the show never leaves a
    deal open behind it."""
    current: SaleStatus | None = status
    while current in OPEN_STATUSES:
        target = SaleStatus.CANCELLED if current is SaleStatus.SCHEDULED else SaleStatus.ENDED
        if await claim_transition(session, sale_id, current, target):
            return target
        found = await session.scalar(select(FlashSale.status).where(FlashSale.id == sale_id))
        current = None if found is None else SaleStatus(found)
    return None
