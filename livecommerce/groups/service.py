"""Reads of group buys: a room's offers with their open groups, one group, a buyer's
seats, and a room's groups in every state for its merchant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import load_product
from livecommerce.groups.desk import load_group
from livecommerce.groups.lifecycle import GroupStatus
from livecommerce.groups.views import GroupView, OfferView
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.storage.models import GroupBuy, GroupMember, GroupOffer

MAX_LISTED = 50
MAX_REPORTED = 200


async def room_listing(session: AsyncSession, room_id: int) -> dict[str, Any]:
    offers = list(await session.scalars(
        select(GroupOffer).where(GroupOffer.room_id == room_id, GroupOffer.active.is_(True))
        .order_by(GroupOffer.id)
    ))  # fmt: skip
    by_id = {o.id: o for o in offers}
    groups = await session.scalars(
        select(GroupBuy)
        .where(GroupBuy.room_id == room_id, GroupBuy.status == GroupStatus.OPEN.value,
               GroupBuy.seats_taken > 0)
        .order_by(GroupBuy.expires_at).limit(MAX_LISTED)
    )  # fmt: skip
    return {
        "offers": [OfferView.of(o).as_dict() for o in offers],
        "groups": [GroupView.of(g, by_id[g.offer_id]).as_dict() for g in groups
                   if g.offer_id in by_id],
    }  # fmt: skip


async def group_detail(session: AsyncSession, group_id: int) -> dict[str, Any]:
    """The group and its product's title and image (counts only: who joined is told to
    the group's own members, by ``group.news``)."""
    group, offer = await load_group(session, group_id)
    product = await load_product(session, offer.product_id)
    return {
        "group": GroupView.of(group, offer).as_dict(),
        "offer": OfferView.of(offer).as_dict(),
        "product": {"id": product.id, "title": product.title, "image_url": product.image_url,
                    "price_cents": product.price_cents},
    }  # fmt: skip


async def seats_of(
    session: AsyncSession, buyer_id: int, room_id: int | None = None
) -> list[dict[str, Any]]:
    """The buyer's seats, newest first, each with its group as it is now: what "My
    orders" and the room show a member (``active`` false: the seat was given back)."""
    m = GroupMember
    query = (
        select(m, GroupBuy, GroupOffer)
        .join(GroupBuy, GroupBuy.id == m.group_id)
        .join(GroupOffer, GroupOffer.id == m.offer_id)
        .where(m.buyer_id == buyer_id)
        .order_by(m.id.desc())
        .limit(MAX_REPORTED)
    )
    if room_id is not None:
        query = query.where(GroupBuy.room_id == room_id)
    rows = await session.execute(query)
    return [
        {"order_id": seat.order_id, "active": seat.active, "paid": seat.paid,
         "group": GroupView.of(group, offer).as_dict()}
        for seat, group, offer in rows
    ]  # fmt: skip


async def room_report(session: AsyncSession, room_id: int, caller: Principal) -> dict[str, Any]:
    """Every offer of the room (withdrawn too) and its latest groups in every state,
    for the room's host and merchant."""
    room = await load_room(session, room_id)
    await require_manager(session, room, caller)
    offers = {o.id: o for o in await session.scalars(
        select(GroupOffer).where(GroupOffer.room_id == room_id).order_by(GroupOffer.id)
    )}  # fmt: skip
    groups = await session.scalars(
        select(GroupBuy).where(GroupBuy.room_id == room_id, GroupBuy.seats_taken > 0)
        .order_by(GroupBuy.id.desc()).limit(MAX_REPORTED)
    )  # fmt: skip
    return {
        "offers": [OfferView.of(o).as_dict() for o in offers.values()],
        "groups": [GroupView.of(g, offers[g.offer_id]).as_dict() for g in groups],
    }
