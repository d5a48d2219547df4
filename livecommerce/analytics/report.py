"""The post-show report's own figures: the weakest metrics against the merchant's earlier
shows, and the orders the show brought in after it ended (shown apart from the show's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import facts as f
from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import COMPARABLE, METRICS, Value, evaluate
from livecommerce.analytics.stats import show_totals
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.storage.models import LedgerEntry, Order, Product, Room, RoomProduct

PREVIOUS_SHOWS = 10
WEAKEST = 3
POST_LIVE_DAYS = 7
_NEVER_PAID = (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.EXPIRED)


async def comparable(session: AsyncSession, room_id: int) -> dict[str, Value]:
    totals = await show_totals(session, room_id, await f.facts(session, room_id))
    return evaluate(totals, COMPARABLE)


async def previous_shows(session: AsyncSession, room: Room) -> list[int]:
    """The merchant's ended shows before this one, newest first (at most ten)."""
    query = select(Room.id).where(
        Room.merchant_id == room.merchant_id, Room.status == RoomStatus.ENDED.value,
        Room.id != room.id,
    )  # fmt: skip
    if room.started_at is not None:
        query = query.where(Room.ended_at <= room.started_at)
    query = query.order_by(Room.ended_at.desc(), Room.id.desc()).limit(PREVIOUS_SHOWS)
    return list((await session.scalars(query)).all())


@dataclass(frozen=True, slots=True)
class Weak:
    metric: str
    value: float
    baseline: float
    change: float

    def as_dict(self) -> dict[str, Any]:
        better = METRICS[self.metric].better
        return {
            "metric": self.metric, "value": self.value, "baseline": self.baseline,
            "change": round(self.change, 6), "better": better,
        }  # fmt: skip


def weakest(current: Mapping[str, Value], earlier: Sequence[Mapping[str, Value]]) -> list[Weak]:
    """The metrics furthest below their mean over ``earlier`` (relative change, signed so
    that negative is worse), weakest first; a metric with no value either side is skipped."""
    found: list[Weak] = []
    for name in COMPARABLE:
        value = current.get(name)
        past = [float(v) for e in earlier if (v := e.get(name)) is not None]
        if value is None or not past:
            continue
        baseline = sum(past) / len(past)
        if baseline == 0:
            continue
        change = (float(value) - baseline) / baseline
        if METRICS[name].better == "lower":
            change = -change
        found.append(Weak(name, float(value), baseline, change))
    found.sort(key=lambda w: (w.change, w.metric))
    return found[:WEAKEST]


async def weakest_of(session: AsyncSession, room: Room) -> dict[str, Any]:
    earlier_ids = await previous_shows(session, room)
    earlier = [await comparable(session, rid) for rid in earlier_ids]
    weak = weakest(await comparable(session, room.id), earlier)
    return {
        "room": room.id, "compared_shows": len(earlier_ids),
        "weakest": [w.as_dict() for w in weak],
    }  # fmt: skip


async def post_live(session: AsyncSession, room: Room) -> dict[str, Any]:
    """Orders of the show's shelf products by its logged-in viewers, placed in the seven
    days after it ended."""
    answer: dict[str, Any] = {
        "room": room.id, "window_days": POST_LIVE_DAYS, "from": None, "to": None,
        "orders": 0, "buyers": 0, "gmv_gross_cents": 0, "gmv_paid_cents": 0, "products": [],
    }  # fmt: skip
    if room.status != RoomStatus.ENDED or room.ended_at is None:
        return answer
    start, end = room.ended_at, room.ended_at + timedelta(days=POST_LIVE_DAYS)
    answer.update({"from": start.isoformat(), "to": end.isoformat()})
    rows = (await session.execute(_post_live_orders(room.id, start, end))).all()
    products: dict[int, dict[str, Any]] = {}
    for product_id, title, _buyer, amount, status in rows:
        line = products.setdefault(
            product_id, {"product_id": product_id, "title": title, "orders": 0,
                         "gmv_gross_cents": 0, "gmv_paid_cents": 0},
        )  # fmt: skip
        paid = 0 if status in _NEVER_PAID else int(amount)
        for target in (line, answer):
            target["orders"] += 1
            target["gmv_gross_cents"] += int(amount)
            target["gmv_paid_cents"] += paid
    answer["buyers"] = len({row[2] for row in rows})
    answer["products"] = sorted(products.values(), key=lambda p: -p["gmv_gross_cents"])
    return answer


def _post_live_orders(room_id: int, start: datetime, end: datetime) -> Any:
    watched = exists().where(
        LedgerEntry.room_id == room_id,
        LedgerEntry.kind == kinds.JOINED,
        LedgerEntry.viewer == literal("u:") + cast(Order.buyer_id, String),
    )
    shelf = select(RoomProduct.product_id).where(RoomProduct.room_id == room_id)
    return (
        select(
            Order.product_id,
            Product.title,
            Order.buyer_id,
            Order.quantity * Order.unit_price_cents,
            Order.status,
        )
        .join(Product, Product.id == Order.product_id)
        .where(
            Order.product_id.in_(shelf),
            Order.created_at >= start,
            Order.created_at < end,
            watched,
        )
        .order_by(Order.id)
    )
