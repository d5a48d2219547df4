"""What promoters and merchants see: links, clicks, orders and commission balances,
each a sum over rows (``share_click``, ``commission``, ``commission_entry``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.referrals.lifecycle import TargetKind
from livecommerce.storage.models import Order, Product, Room, User
from livecommerce.storage.referral_models import (
    Commission,
    CommissionEntry,
    Promoter,
    ShareClick,
    ShareLink,
)

LIST_LIMIT = 200


async def _titles(session: AsyncSession, links: list[ShareLink]) -> dict[tuple[str, int], str]:
    rooms = [x.target_id for x in links if x.target_kind == TargetKind.ROOM]
    products = [x.target_id for x in links if x.target_kind == TargetKind.PRODUCT]
    found: dict[tuple[str, int], str] = {}
    for kind, model, ids in (
        (TargetKind.ROOM, Room, rooms),
        (TargetKind.PRODUCT, Product, products),
    ):
        if ids:
            rows = await session.execute(select(model.id, model.title).where(model.id.in_(ids)))
            found.update({(kind.value, i): t for i, t in rows})
    return found


async def _clicks_by_link(session: AsyncSession, link_ids: list[int]) -> dict[int, int]:
    if not link_ids:
        return {}
    rows = await session.execute(
        select(ShareClick.link_id, func.count())
        .where(ShareClick.link_id.in_(link_ids))
        .group_by(ShareClick.link_id)
    )
    return {int(i): int(n) for i, n in rows if i is not None}


def _commission_row(c: Commission, title: str, pending: int, payable: int) -> dict[str, Any]:
    return {
        "id": c.id, "order_id": c.order_id, "product_title": title, "level": c.level,
        "rate_bp": c.rate_bp, "base_cents": c.base_cents, "amount_cents": c.amount_cents,
        "status": c.status, "pending_cents": pending, "payable_cents": payable,
        "created_at": c.created_at.isoformat(),
    }  # fmt: skip


def _balances() -> Any:
    return (
        select(CommissionEntry.commission_id,
               func.sum(CommissionEntry.pending_cents).label("pending"),
               func.sum(CommissionEntry.payable_cents).label("payable"))
        .group_by(CommissionEntry.commission_id).subquery()
    )  # fmt: skip


def _link_row(link: ShareLink, titles: dict[tuple[str, int], str], clicks: int) -> dict[str, Any]:
    base = "/rooms/" if link.target_kind == TargetKind.ROOM else "/p/"
    return {
        "id": link.id, "kind": link.target_kind, "target_id": link.target_id,
        "title": titles.get((link.target_kind, link.target_id), ""), "clicks": clicks,
        "path": f"{base}{link.target_id}?ref={link.code}",
        "created_at": link.created_at.isoformat(),
    }  # fmt: skip


async def my_promotions(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """The promoter's page: links with clicks, commissions with balances, totals."""
    links = list(
        await session.scalars(
            select(ShareLink).where(ShareLink.promoter_id == user_id)
            .order_by(ShareLink.id.desc()).limit(LIST_LIMIT)
        )
    )  # fmt: skip
    titles = await _titles(session, links)
    clicks = await _clicks_by_link(session, [x.id for x in links])
    sums = _balances()
    rows = await session.execute(
        select(Commission, Product.title, sums.c.pending, sums.c.payable)
        .join(sums, sums.c.commission_id == Commission.id)
        .join(Order, Order.id == Commission.order_id)
        .join(Product, Product.id == Order.product_id)
        .where(Commission.promoter_id == user_id)
        .order_by(Commission.id.desc()).limit(LIST_LIMIT)
    )  # fmt: skip
    commissions = [_commission_row(c, t, int(p), int(q)) for c, t, p, q in rows]
    totals = await promoter_totals(session, promoter_ids=[user_id])
    return {
        "links": [_link_row(x, titles, clicks.get(x.id, 0)) for x in links],
        "commissions": commissions,
        "totals": totals.get(user_id, _empty_totals()),
    }


def _empty_totals() -> dict[str, int]:
    return {"clicks": 0, "links": 0, "orders": 0, "pending_cents": 0, "payable_cents": 0}


async def promoter_totals(
    session: AsyncSession, *, promoter_ids: list[int], merchant_id: int | None = None
) -> dict[int, dict[str, int]]:
    """Per promoter: links, clicks, commissioned orders, pending and payable sums."""
    totals = {p: _empty_totals() for p in promoter_ids}

    def mine(column: Any, merchant_column: Any) -> list[Any]:
        where = [column.in_(promoter_ids)]
        return where if merchant_id is None else [*where, merchant_column == merchant_id]

    queries = {
        "links": select(ShareLink.promoter_id, func.count())
        .where(*mine(ShareLink.promoter_id, ShareLink.merchant_id)).group_by(ShareLink.promoter_id),
        "clicks": select(ShareClick.referrer_id, func.count())
        .where(*mine(ShareClick.referrer_id, ShareClick.merchant_id))
        .group_by(ShareClick.referrer_id),
        "orders": select(Commission.promoter_id, func.count(func.distinct(Commission.order_id)))
        .where(*mine(Commission.promoter_id, Commission.merchant_id))
        .group_by(Commission.promoter_id),
    }  # fmt: skip
    for name, query in queries.items():
        for who, n in await session.execute(query):
            totals[int(who)][name] = int(n)
    money = await session.execute(
        select(Commission.promoter_id, func.sum(CommissionEntry.pending_cents),
               func.sum(CommissionEntry.payable_cents))
        .join(Commission, Commission.id == CommissionEntry.commission_id)
        .where(*mine(Commission.promoter_id, Commission.merchant_id))
        .group_by(Commission.promoter_id)
    )  # fmt: skip
    for who, pending, payable in money:
        totals[int(who)].update(pending_cents=int(pending or 0), payable_cents=int(payable or 0))
    return totals


async def merchant_promoters(session: AsyncSession, merchant_id: int) -> list[dict[str, Any]]:
    """The console's table: everyone who applied, shared or earned for this shop."""
    who = union(
        select(Promoter.user_id.label("uid")).where(Promoter.merchant_id == merchant_id),
        select(ShareLink.promoter_id).where(ShareLink.merchant_id == merchant_id),
        select(Commission.promoter_id).where(Commission.merchant_id == merchant_id),
    ).subquery()
    users = (
        await session.execute(
            select(User.id, User.handle, User.display_name, Promoter.status)
            .join(who, who.c.uid == User.id)
            .outerjoin(Promoter, (Promoter.user_id == User.id)
                       & (Promoter.merchant_id == merchant_id))
            .order_by(User.id).limit(LIST_LIMIT)
        )
    ).all()  # fmt: skip
    totals = await promoter_totals(
        session, promoter_ids=[u[0] for u in users], merchant_id=merchant_id
    )
    return [
        {"user_id": uid, "handle": handle, "display_name": name, "status": status or "",
         **totals[uid]}
        for uid, handle, name, status in users
    ]  # fmt: skip
