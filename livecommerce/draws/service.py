"""Starting a draw, and reading draws back.

Rules of a start, checked before anything is written: the duration (30 s to 15 min),
the winner count, the entry condition (one that ``conditions.QUALIFIERS`` backs), the
prize (a product on the room's shelf, or one of the merchant's coupon templates), the
legal cap on a prize's value (a coupon is worth the most it takes off), the caller runs
the live room, and no other draw is open there. Then the prize is reserved (the
product's units, or a private batch of coupons) and the seed's commit published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import load_product
from livecommerce.draws import conditions, events, fairness
from livecommerce.draws.lifecycle import Condition, DrawStatus, PrizeKind
from livecommerce.draws.views import DrawView, PickView, prize_of, proof_url
from livecommerce.errors import (
    DrawActive,
    DrawDurationOutOfRange,
    InvalidInput,
    NotFound,
    PrizeNotOnShelf,
    PrizeOverCap,
)
from livecommerce.orders import prize as prize_orders
from livecommerce.promotions import grants
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Draw, DrawWinner, Product, Room, RoomProduct, User

MIN_SECONDS, MAX_SECONDS = 30, 15 * 60
MAX_WINNERS = 1000
MAX_KEYWORD = 40
PRIZE_CAP_CENTS = 50_000 * 100
"""The most one prize may be worth: 50,000 yuan (PRC Anti-Unfair Competition Law, Art. 10)."""


@dataclass(frozen=True, slots=True)
class DrawTerms:
    prize_kind: str
    product_id: int | None
    winners: int
    duration_seconds: int
    condition: str
    keyword: str = ""
    watch_minutes: int = 0
    exclude_recent_days: int = 0
    coupon_template_id: int | None = None


@dataclass(frozen=True, slots=True)
class Prize:
    """What a start reserves: a shelf product, or a coupon template."""

    title: str
    value_cents: int
    image_url: str = ""
    product_id: int | None = None
    coupon_template_id: int | None = None


def check_terms(terms: DrawTerms) -> None:
    """The rules that need no database, in the order a host would fix them."""
    if not MIN_SECONDS <= terms.duration_seconds <= MAX_SECONDS:
        raise DrawDurationOutOfRange(f"a draw runs {MIN_SECONDS}-{MAX_SECONDS} seconds")
    if not 1 <= terms.winners <= MAX_WINNERS:
        raise InvalidInput(f"a draw has 1-{MAX_WINNERS} winners")
    if not 0 <= terms.exclude_recent_days <= 365:
        raise InvalidInput("exclude_recent_days is 0-365")
    conditions.require_available(terms.condition)
    if terms.condition not in set(Condition):
        raise InvalidInput(f"condition is one of {', '.join(Condition)}")
    if (
        terms.condition == Condition.KEYWORD
        and not 1 <= len(keyword_of(terms.keyword)) <= MAX_KEYWORD
    ):
        raise InvalidInput(f"a keyword draw needs a keyword of 1-{MAX_KEYWORD} characters")
    if terms.condition == Condition.WATCH and not (
        terms.watch_minutes >= 1 and terms.watch_minutes * 60 <= terms.duration_seconds
    ):
        raise InvalidInput("watch_minutes is at least 1 and fits in the draw's duration")
    if terms.prize_kind == PrizeKind.COUPON:
        if terms.coupon_template_id is None or terms.product_id is not None:
            raise InvalidInput("a coupon prize names a coupon template (coupon_template_id)")
    elif terms.prize_kind != PrizeKind.PRODUCT or terms.product_id is None:
        raise InvalidInput("the prize is a product of the room's shelf (product_id)")
    elif terms.coupon_template_id is not None:
        raise InvalidInput("a product prize names no coupon template")


def keyword_of(text: str) -> str:
    """A keyword as chat bodies are compared with it: trimmed, case-folded."""
    return "".join(ch for ch in text.strip() if ch.isprintable()).casefold()


async def _prize(uow: UnitOfWork, room: Room, terms: DrawTerms) -> Prize:
    if terms.coupon_template_id is not None:
        template = await grants.prize_template(
            uow.session, room=room, template_id=terms.coupon_template_id
        )
        prize = Prize(
            template.title, grants.most_off_cents(template), coupon_template_id=template.id
        )
    else:
        assert terms.product_id is not None
        if await uow.session.get(RoomProduct, (room.id, terms.product_id)) is None:
            raise PrizeNotOnShelf(f"product {terms.product_id} is not on this room's shelf")
        product = await load_product(uow.session, terms.product_id)
        prize = Prize(product.title, product.price_cents, product.image_url, product.id)
    if prize.value_cents > PRIZE_CAP_CENTS:
        raise PrizeOverCap("a prize may be worth at most 50,000 yuan (AUCL Art. 10)")
    return prize


async def _reserve(
    uow: UnitOfWork, room: Room, prize: Prize, winners: int, by: int, now: datetime
) -> int | None:
    """Put the prizes aside; a coupon prize's private batch id."""
    if prize.product_id is not None:
        await prize_orders.reserve_units(uow, product_id=prize.product_id, units=winners)
        return None
    assert prize.coupon_template_id is not None
    return await grants.reserve_batch(
        uow, room_id=room.id, template_id=prize.coupon_template_id, quantity=winners, by=by,
        now=now,
    )  # fmt: skip


async def open_draw_id(uow: UnitOfWork, room_id: int) -> int | None:
    found = await uow.session.scalar(
        select(Draw.id).where(Draw.room_id == room_id, Draw.status == DrawStatus.OPEN)
    )
    return found


async def start_draw(
    uow: UnitOfWork, *, caller: Principal, room_id: int, terms: DrawTerms, now: datetime
) -> DrawView:
    check_terms(terms)
    room = await load_room(uow.session, room_id)
    await require_manager(uow.session, room, caller)
    if room.status != RoomStatus.LIVE:
        raise InvalidInput("a draw runs only while the show is live")
    prize = await _prize(uow, room, terms)
    if await open_draw_id(uow, room_id) is not None:
        raise DrawActive("this room already has an open draw")
    batch = await _reserve(uow, room, prize, terms.winners, caller.user_id, now)
    seed = fairness.new_seed()
    draw = Draw(
        room_id=room_id, merchant_id=room.merchant_id, prize_kind=terms.prize_kind,
        product_id=prize.product_id, coupon_template_id=prize.coupon_template_id,
        coupon_drop_id=batch, prize_title=prize.title, prize_value_cents=prize.value_cents,
        winners_wanted=terms.winners, condition=terms.condition,
        keyword=terms.keyword.strip() if terms.condition == Condition.KEYWORD else "",
        watch_seconds=terms.watch_minutes * 60 if terms.condition == Condition.WATCH else 0,
        exclude_recent_days=terms.exclude_recent_days, status=DrawStatus.OPEN,
        seed_hex=seed.hex(), commit=fairness.commit_of(seed), created_at=now,
        closes_at=now + timedelta(seconds=terms.duration_seconds),
    )  # fmt: skip
    uow.session.add(draw)
    await uow.session.flush()
    uow.emit(room_id, started_event(draw, prize.image_url))
    return DrawView(draw, [], prize.image_url)


def started_event(draw: Draw, image_url: str) -> events.DrawStarted:
    return events.DrawStarted(
        id=draw.id, prize=prize_of(draw, image_url), winners=draw.winners_wanted,
        condition=draw.condition, keyword=draw.keyword, watch_seconds=draw.watch_seconds,
        closes_at=draw.closes_at.isoformat(), commit=draw.commit, proof_url=proof_url(draw.id),
    )  # fmt: skip


async def load_view(session: AsyncSession, draw: Draw) -> DrawView:
    rows = await session.execute(
        select(DrawWinner, User.handle)
        .join(User, User.id == DrawWinner.user_id)
        .where(DrawWinner.draw_id == draw.id)
        .order_by(DrawWinner.position)
    )
    picks = [PickView.of(pick, handle) for pick, handle in rows]
    image = ""
    if draw.product_id is not None:
        image = (
            await session.scalar(select(Product.image_url).where(Product.id == draw.product_id))
            or ""
        )
    return DrawView(draw, picks, image)


async def get_draw(session: AsyncSession, draw_id: int) -> DrawView:
    draw = await session.get(Draw, draw_id)
    if draw is None:
        raise NotFound(f"draw {draw_id} not found")
    return await load_view(session, draw)


async def latest_draw(session: AsyncSession, room_id: int) -> DrawView | None:
    """The room's open draw, else its last closed one (its result stays on screen)."""
    draw = await session.scalar(
        select(Draw).where(Draw.room_id == room_id).order_by(Draw.id.desc()).limit(1)
    )
    return await load_view(session, draw) if draw is not None else None
