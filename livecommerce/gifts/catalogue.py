"""A shop's gift catalogue: its merchant adds, edits and withdraws gifts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied, UnknownGift
from livecommerce.gifts.views import GiftView
from livecommerce.storage.gift_models import Gift
from livecommerce.storage.models import Room

MAX_NAME = 40


def _check(name: str | None, price_cents: int | None) -> None:
    if name is not None and not 0 < len(name.strip()) <= MAX_NAME:
        raise InvalidInput(f"name: 1 to {MAX_NAME} characters")
    if price_cents is not None and price_cents <= 0:
        raise InvalidInput("price_cents: must be positive")


def _shop_of(caller: Principal) -> int:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only a merchant keeps a gift catalogue")
    return caller.user_id


async def add_gift(
    session: AsyncSession, *, caller: Principal, name: str, image_url: str, price_cents: int
) -> GiftView:
    _check(name, price_cents)
    gift = Gift(merchant_id=_shop_of(caller), name=name.strip(), image_url=image_url,
                price_cents=price_cents, active=True)  # fmt: skip
    session.add(gift)
    await session.flush()
    return GiftView.of(gift)


async def own_gift(session: AsyncSession, *, caller: Principal, gift_id: int) -> Gift:
    gift = await session.get(Gift, gift_id)
    if gift is None or (gift.merchant_id != caller.user_id and caller.role != "admin"):
        raise UnknownGift(f"gift {gift_id} is not in your catalogue")
    return gift


async def edit_gift(
    session: AsyncSession, *, caller: Principal, gift_id: int, name: str | None = None,
    image_url: str | None = None, price_cents: int | None = None, active: bool | None = None,
) -> GiftView:  # fmt: skip
    """Change a gift; sends already made keep the price they were billed at."""
    _check(name, price_cents)
    gift = await own_gift(session, caller=caller, gift_id=gift_id)
    if name is not None:
        gift.name = name.strip()
    if image_url is not None:
        gift.image_url = image_url
    if price_cents is not None:
        gift.price_cents = price_cents
    if active is not None:
        gift.active = active
    await session.flush()
    return GiftView.of(gift)


async def shop_gifts(
    session: AsyncSession, merchant_id: int, *, active_only: bool = True
) -> list[GiftView]:
    query = select(Gift).where(Gift.merchant_id == merchant_id)
    if active_only:
        query = query.where(Gift.active.is_(True))
    gifts = await session.scalars(query.order_by(Gift.price_cents, Gift.id))
    return [GiftView.of(g) for g in gifts]


async def room_gifts(session: AsyncSession, room_id: int) -> list[GiftView]:
    """The active gifts of the shop whose room this is."""
    merchant = await session.scalar(select(Room.merchant_id).where(Room.id == room_id))
    if merchant is None:
        raise NotFound(f"room {room_id} not found")
    return await shop_gifts(session, merchant)
