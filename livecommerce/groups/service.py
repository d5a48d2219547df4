"""Reads of group buys: a room's offers with their open groups, and one group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.catalog.service import load_product
from livecommerce.groups.desk import load_group
from livecommerce.groups.lifecycle import GroupStatus
from livecommerce.groups.views import GroupView, OfferView
from livecommerce.storage.models import GroupBuy, GroupOffer

MAX_LISTED = 50


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
