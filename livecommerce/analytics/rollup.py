"""Folding ledger rows into per-minute rollup counters.

The same ``fold`` is what the nodes' flush and the orders' funnel add to the rollup
(``storage.ledger_rollup``), so the rollup is by construction a sum of rows; the
honest-numbers test recounts the rows without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from livecommerce.analytics import kinds
from livecommerce.orders.funnel import fold_order
from livecommerce.storage.ledger_rollup import COUNTERS, Key

_BY_KIND = {
    kinds.IMPRESSION: "impressions",
    kinds.CLICK: "clicks",
    kinds.SHEET_OPENED: "sheet_opens",
}


def fold(rows: Iterable[Mapping[str, Any]]) -> dict[Key, dict[str, int]]:
    """The rollup counters of ``rows`` (ledger rows as dicts); timeline rows add nothing."""
    out: dict[Key, dict[str, int]] = {}
    for row in rows:
        kind = row["kind"]
        product = row.get("product_id") or 0
        if kind in _BY_KIND:
            _add(out, (row["room_id"], row["minute"], product), _BY_KIND[kind], row["count"])
        elif kind == kinds.JOINED:
            _add(out, (row["room_id"], row["minute"], 0), "joins", 1)
        elif kind == kinds.LEFT:
            key = (row["room_id"], row["minute"], 0)
            _add(out, key, "leaves", 1)
            _add(out, key, "watch_ms", row["value_ms"])
            _add(out, key, "effective_views", int(row["value_ms"] > kinds.EFFECTIVE_VIEW_MS))
        elif kind == kinds.SAMPLED:
            counters = _counters(out, (row["room_id"], row["minute"], 0))
            counters["peak_viewers"] = max(counters["peak_viewers"], row["count"])
        elif kind in kinds.ORDER_KINDS:
            key = (row["room_id"], row["minute"], product)
            for name, amount in fold_order(kind, row["amount_cents"]).items():
                _add(out, key, name, amount)
    return out


def _counters(out: dict[Key, dict[str, int]], key: Key) -> dict[str, int]:
    counters = out.get(key)
    if counters is None:
        counters = out[key] = dict.fromkeys(COUNTERS, 0)
    return counters


def _add(out: dict[Key, dict[str, int]], key: Key, name: str, amount: int) -> None:
    _counters(out, key)[name] += amount
