"""Every metric of a show, defined once: its formula in code and in words.

A metric is a function of :class:`Totals`, the base counts of some slice of the ledger
(a whole show, one product, one minute, a ten-minute window). The base counts come from
ledger rows only (``analytics.stats`` reads them through the rollup, ``analytics.recount``
straight from the rows; a test checks both agree), so every number is derivable from rows.

Money is integer cents of goods (quantity x unit price); shipping is not in it. A ratio
whose denominator is zero is ``None``: "no data" is not "0 %".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal

Value = int | float | None
Unit = Literal["count", "cents", "ms", "ratio"]
Better = Literal["higher", "lower"] | None


@dataclass(frozen=True, slots=True)
class Totals:
    """Base counts of a slice of the ledger, each a count or sum of rows of one kind."""

    views: int = 0  # viewer.joined rows
    unique_viewers: int = 0  # distinct viewer of viewer.joined rows
    peak_viewers: int = 0  # max count of viewers.sampled rows
    finished_sessions: int = 0  # viewer.left rows
    watch_ms: int = 0  # sum value_ms of viewer.left rows
    effective_views: int = 0  # viewer.left rows with value_ms > 10 000
    impressions: int = 0  # sum count of card.impression rows
    clicks: int = 0  # sum count of card.click rows
    sheet_opens: int = 0  # sum count of sheet.opened rows
    orders: int = 0  # order.placed rows
    paid_orders: int = 0  # order.paid rows
    cancelled_orders: int = 0  # order.cancelled rows
    expired_orders: int = 0  # order.expired rows
    refunded_orders: int = 0  # distinct order_id of order.refunded rows
    buyers: int = 0  # distinct viewer of order.placed rows
    gmv_gross_cents: int = 0  # sum amount_cents of order.placed rows
    gmv_paid_cents: int = 0  # sum amount_cents of order.paid rows
    refunded_cents: int = 0  # sum amount_cents of order.refunded rows


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: Unit
    formula: str
    better: Better
    compute: Callable[[Totals], Value]

    @property
    def description(self) -> str:
        return (self.compute.__doc__ or "").strip()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "unit": self.unit, "formula": self.formula,
            "description": self.description, "better": self.better,
        }  # fmt: skip


METRICS: dict[str, Metric] = {}


def metric(
    unit: Unit, formula: str, better: Better = None
) -> Callable[[Callable[[Totals], Value]], Callable[[Totals], Value]]:
    def register(compute: Callable[[Totals], Value]) -> Callable[[Totals], Value]:
        METRICS[compute.__name__] = Metric(compute.__name__, unit, formula, better, compute)
        return compute

    return register


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@metric("count", "count(viewer.joined)", "higher")
def views(t: Totals) -> Value:
    """Watch sessions started: every socket that joined the room (a viewer who comes
    back counts again)."""
    return t.views


@metric("count", "count distinct viewer (viewer.joined)", "higher")
def unique_viewers(t: Totals) -> Value:
    """Distinct viewers: a logged-in user once, an anonymous address once."""
    return t.unique_viewers


@metric("count", "max(viewers.sampled.count)", "higher")
def peak_viewers(t: Totals) -> Value:
    """Peak concurrent viewers: the highest room-wide count the nodes sampled (each
    node samples at every ledger flush)."""
    return t.peak_viewers


@metric("count", "count(viewer.left where value_ms > 10000)", "higher")
def effective_views(t: Totals) -> Value:
    """Effective views: finished watch sessions longer than 10 seconds."""
    return t.effective_views


@metric("ms", "sum(viewer.left.value_ms) / count(viewer.left)", "higher")
def avg_watch_ms(t: Totals) -> Value:
    """Average watch time of finished sessions (open ones count once they end)."""
    ratio = _ratio(t.watch_ms, t.finished_sessions)
    return None if ratio is None else round(ratio)


@metric("count", "sum(card.impression.count)")
def impressions(t: Totals) -> Value:
    """Product cards shown to viewers (pinned card or shelf item came into view)."""
    return t.impressions


@metric("count", "sum(card.click.count)")
def clicks(t: Totals) -> Value:
    """Product cards or shelf items opened by viewers."""
    return t.clicks


@metric("count", "sum(sheet.opened.count)")
def sheet_opens(t: Totals) -> Value:
    """Buy sheets opened."""
    return t.sheet_opens


@metric("count", "count(order.placed)", "higher")
def orders(t: Totals) -> Value:
    """Orders placed (whatever became of them)."""
    return t.orders


@metric("count", "count(order.paid)", "higher")
def paid_orders(t: Totals) -> Value:
    """Orders paid."""
    return t.paid_orders


@metric("count", "count(order.cancelled)", "lower")
def cancelled_orders(t: Totals) -> Value:
    """Orders cancelled before payment."""
    return t.cancelled_orders


@metric("count", "count(order.expired)", "lower")
def expired_orders(t: Totals) -> Value:
    """Orders that expired unpaid."""
    return t.expired_orders


@metric("count", "count distinct order_id (order.refunded)", "lower")
def refunded_orders(t: Totals) -> Value:
    """Orders with money refunded (wholly or partly)."""
    return t.refunded_orders


@metric("count", "count distinct viewer (order.placed)", "higher")
def buyers(t: Totals) -> Value:
    """Distinct buyers who placed at least one order."""
    return t.buyers


@metric("cents", "sum(order.placed.amount_cents)", "higher")
def gmv_gross_cents(t: Totals) -> Value:
    """GMV gross: value of the orders placed (quantity x unit price, no shipping)."""
    return t.gmv_gross_cents


@metric("cents", "sum(order.paid.amount_cents)", "higher")
def gmv_paid_cents(t: Totals) -> Value:
    """Value of the orders paid."""
    return t.gmv_paid_cents


@metric("cents", "sum(order.refunded.amount_cents)", "lower")
def refunded_cents(t: Totals) -> Value:
    """Money refunded to buyers."""
    return t.refunded_cents


@metric("cents", "gmv_paid_cents - refunded_cents", "higher")
def gmv_net_cents(t: Totals) -> Value:
    """GMV net: paid minus refunded (no shipping)."""
    return t.gmv_paid_cents - t.refunded_cents


@metric("ratio", "clicks / impressions", "higher")
def ctr(t: Totals) -> Value:
    """Click-through rate: cards opened per card shown."""
    return _ratio(t.clicks, t.impressions)


@metric("ratio", "orders / clicks", "higher")
def click_to_order(t: Totals) -> Value:
    """Orders placed per card opened."""
    return _ratio(t.orders, t.clicks)


@metric("ratio", "buyers / unique_viewers", "higher")
def view_to_buy(t: Totals) -> Value:
    """View-to-buy conversion: the share of distinct viewers who placed an order."""
    return _ratio(t.buyers, t.unique_viewers)


@metric("cents", "gmv_gross_cents x 1000 / views", "higher")
def gpm_cents(t: Totals) -> Value:
    """GPM: GMV gross per thousand views."""
    return _ratio(t.gmv_gross_cents * 1000, t.views)


@metric("cents", "gmv_gross_cents / orders", "higher")
def aov_cents(t: Totals) -> Value:
    """Average order value (gross)."""
    return _ratio(t.gmv_gross_cents, t.orders)


@metric("ratio", "(cancelled_orders + expired_orders) / orders", "lower")
def unpaid_rate(t: Totals) -> Value:
    """Share of placed orders that ended unpaid (cancelled or expired)."""
    return _ratio(t.cancelled_orders + t.expired_orders, t.orders)


@metric("ratio", "refunded_orders / paid_orders", "lower")
def refund_rate(t: Totals) -> Value:
    """Share of paid orders that got money back."""
    return _ratio(t.refunded_orders, t.paid_orders)


PRODUCT_METRICS = (
    "impressions", "clicks", "sheet_opens", "orders", "paid_orders", "buyers",
    "gmv_gross_cents", "gmv_paid_cents", "refunded_cents", "gmv_net_cents", "ctr",
    "click_to_order", "aov_cents", "unpaid_rate", "refund_rate",
)  # fmt: skip
"""What a product has: viewers watch the show, not one product."""

MINUTE_METRICS = (
    "views", "peak_viewers", "effective_views", "avg_watch_ms", "impressions", "clicks",
    "sheet_opens", "orders", "paid_orders", "buyers", "gmv_gross_cents", "gmv_paid_cents",
    "refunded_cents", "gmv_net_cents", "ctr", "click_to_order", "gpm_cents",
)  # fmt: skip

COMPARABLE = (
    "ctr", "click_to_order", "view_to_buy", "gpm_cents", "aov_cents", "unpaid_rate",
    "refund_rate", "avg_watch_ms",
)  # fmt: skip
"""Metrics that do not grow with the audience, so shows of different sizes compare
(the report's weakest three come from these)."""

BASE_FIELDS = tuple(f.name for f in fields(Totals))


def evaluate(totals: Totals, names: tuple[str, ...] | None = None) -> dict[str, Value]:
    """The metrics of ``totals``, by name (all of them unless ``names`` says)."""
    chosen = names if names is not None else tuple(METRICS)
    return {name: METRICS[name].compute(totals) for name in chosen}
