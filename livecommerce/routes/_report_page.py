"""What the post-show report page shows, from the stats API's answers (the same dicts).

The page is rendered on the server with plain number formats for the first paint; the
report script then rewrites each ``data-kind``/``data-value`` figure for the reader's
locale with ``Intl``, exactly as the live dashboard writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.analytics import report, stats
from livecommerce.resources import Resources
from livecommerce.storage.models import Room, utcnow

# (key, field of the metrics object, kind); the same list as web/static/js/dashboard-format.js.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("gmv_gross", "gmv_gross_cents", "money"),
    ("gmv_net", "gmv_net_cents", "money"),
    ("orders", "orders", "count"),
    ("buyers", "buyers", "count"),
    ("viewers_peak", "peak_viewers", "count"),
    ("viewers_unique", "unique_viewers", "count"),
    ("avg_watch", "avg_watch_ms", "ms"),
    ("ctr", "ctr", "rate"),
    ("click_to_order", "click_to_order", "rate"),
    ("conversion", "view_to_buy", "rate"),
    ("gpm", "gpm_cents", "money"),
    ("aov", "aov_cents", "money"),
    ("unpaid_rate", "unpaid_rate", "rate"),
    ("refund_rate", "refund_rate", "rate"),
)
KIND_OF = {source: kind for _, source, kind in HEADLINES}
KEY_OF = {source: key for key, source, _ in HEADLINES}
# What the host did, as the timeline lists it; moderation is not selling.
ACTIONS = ("room.started", "room.ended", "stream.started", "stream.ended", "product.pinned",
           "product.unpinned", "sale.started", "sale.sold_out", "sale.ended",
           "sale.cancelled")  # fmt: skip


def fmt(kind: str, value: float | None) -> str:
    """A first-paint text for a figure; the page script rewrites it for the reader's locale."""
    if value is None:
        return "–"
    if kind == "money":
        amount = round(value) / 100
        return f"¥{amount:,.0f}" if amount == int(amount) else f"¥{amount:,.2f}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "ms":
        seconds = round(value / 1000)
        return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
    return f"{round(value):,}"


@dataclass(frozen=True)
class Figure:
    key: str
    kind: str
    value: float | None
    last: float | None
    previous: float | None


def figures(stats: Mapping[str, Any]) -> list[Figure]:
    """The headline numbers of the whole show, each with its last-10 and previous-10 value."""
    recent = stats.get("recent") or {}
    last = (recent.get("last") or {}).get("metrics") or {}
    previous = (recent.get("previous") or {}).get("metrics") or {}
    metrics = stats["metrics"]
    return [
        Figure(key, kind, metrics.get(source), last.get(source), previous.get(source))
        for key, source, kind in HEADLINES
    ]


@dataclass(frozen=True)
class Segment:
    """One thing the host did and what sold from then until the next thing."""

    event: Mapping[str, Any]
    orders: int
    gmv_cents: int


Rows = Sequence[Mapping[str, Any]]


def segments(events: Rows, sold: Sequence[tuple[int, int]]) -> list[Segment]:
    """Each host action with the orders placed from it until the next one, ``sold``
    being (orders, cents) for each action in turn (``stats.sold_after``)."""
    return [
        Segment(event, n, cents) for event, (n, cents) in zip(actions(events), sold, strict=True)
    ]


def actions(events: Rows) -> list[Mapping[str, Any]]:
    """The timeline's host actions, in time order."""
    return [e for e in events if e["kind"] in ACTIONS]


def weakest(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The weakest metrics with the key and kind the page labels and formats them by."""
    return [
        {**w, "key": KEY_OF.get(w["metric"], w["metric"]), "kind": KIND_OF.get(w["metric"], "rate")}
        for w in answer.get("weakest", [])[:3]
    ]


def context(
    room: Mapping[str, Any],
    answers: Mapping[str, Any],
) -> dict[str, Any]:
    """The template's context from the stats answers (``stats``, ``minutes``, ``products``,
    ``timeline``, ``weakest``, ``post_live``, each the JSON body of its endpoint) and
    ``sold``, the orders placed after each host action (``stats.sold_after``)."""
    stats = answers["stats"]
    minutes = answers["minutes"]["minutes"]
    events = answers["timeline"]["events"]
    products = answers["products"]["products"]
    titles = {p["id"]: p["title"] for p in room.get("shelf", [])}
    titles.update({p["product_id"]: p["title"] for p in products})
    base = f"/api/rooms/{room['id']}/stats"
    return {
        "room": room,
        "stats": stats,
        "figures": figures(stats),
        "products": products,
        "segments": segments(events, answers["sold"]),
        "titles": titles,
        "weakest": weakest(answers["weakest"]),
        "compared_shows": answers["weakest"].get("compared_shows", 0),
        "post_live": answers["post_live"],
        "csv": {"minutes": f"{base}/minutes.csv", "products": f"{base}/products.csv"},
        "fmt": fmt,
        "page_data": {"report": _chart_data(stats, minutes, events, titles)},
    }


def _chart_data(
    stats: Mapping[str, Any], minutes: Rows, events: Rows, titles: Mapping[int, str]
) -> dict[str, Any]:
    return {
        "started_at": stats.get("started_at"),
        "minutes": list(minutes),
        "events": list(events),
        "titles": {str(k): v for k, v in titles.items()},
    }


async def load(session: AsyncSession, resources: Resources, room: Room) -> dict[str, Any]:
    """The stats answers of ``room``, the same bodies as the stats API's, and the orders
    placed after each host action (``stats.sold_after``) for the table of them."""
    gauges = await resources.hub.stats(room.id)
    now = utcnow()
    show = await stats.show_stats(session, room, now=now)
    events = await stats.timeline(session, room.id)
    return {
        "stats": {"viewers": gauges.viewers, "likes": gauges.likes, **show},
        "minutes": {"minutes": await stats.minute_series(session, room, now=now)},
        "products": {"products": await stats.product_table(session, room)},
        "timeline": {"events": events},
        "sold": await stats.sold_after(session, room.id, ACTIONS, len(actions(events))),
        "weakest": await report.weakest_of(session, room),
        "post_live": await report.post_live(session, room),
    }
