"""The base counts straight from raw ledger rows, without the rollup: what an auditor
(or the honest-numbers test) computes by hand to check the stats the API answers.

Written apart from ``rollup.fold`` and ``facts`` on purpose, so that a mistake in one is
not repeated in the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from livecommerce.analytics import kinds
from livecommerce.analytics.metrics import Totals


def recount(
    rows: Iterable[Mapping[str, Any]],
    *,
    minutes: tuple[int, int] | None = None,
    product_id: int | None = None,
) -> Totals:
    """Base counts of the rows within ``minutes`` (inclusive) and of ``product_id``."""
    chosen = [
        r for r in rows
        if (minutes is None or minutes[0] <= r["minute"] <= minutes[1])
        and (product_id is None or r["product_id"] == product_id)
    ]  # fmt: skip

    def of(kind: str) -> list[Mapping[str, Any]]:
        return [r for r in chosen if r["kind"] == kind]

    left = of(kinds.LEFT)
    return Totals(
        views=len(of(kinds.JOINED)),
        unique_viewers=len({r["viewer"] for r in of(kinds.JOINED)}),
        peak_viewers=max((r["count"] for r in of(kinds.SAMPLED)), default=0),
        finished_sessions=len(left),
        watch_ms=sum(r["value_ms"] for r in left),
        effective_views=sum(1 for r in left if r["value_ms"] > kinds.EFFECTIVE_VIEW_MS),
        impressions=sum(r["count"] for r in of(kinds.IMPRESSION)),
        clicks=sum(r["count"] for r in of(kinds.CLICK)),
        sheet_opens=sum(r["count"] for r in of(kinds.SHEET_OPENED)),
        orders=len(of(kinds.PLACED)),
        paid_orders=len(of(kinds.PAID)),
        cancelled_orders=len(of(kinds.CANCELLED)),
        expired_orders=len(of(kinds.EXPIRED)),
        refunded_orders=len({r["order_id"] for r in of(kinds.REFUNDED)}),
        buyers=len({r["viewer"] for r in of(kinds.PLACED)}),
        gmv_gross_cents=sum(r["amount_cents"] for r in of(kinds.PLACED)),
        gmv_paid_cents=sum(r["amount_cents"] for r in of(kinds.PAID)),
        refunded_cents=sum(r["amount_cents"] for r in of(kinds.REFUNDED)),
    )


def ledger_rows(entries: Iterable[Any]) -> list[dict[str, Any]]:
    """``LedgerEntry`` objects as the dicts ``recount`` reads."""
    names = (
        "room_id", "kind", "minute", "product_id", "order_id", "viewer", "count",
        "amount_cents", "value_ms",
    )  # fmt: skip
    return [{name: getattr(e, name) for name in names} for e in entries]
