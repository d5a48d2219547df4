"""The client's funnel beacon: cards shown, cards opened, buy sheets opened.

Declared here once, for the WebSocket message and the HTTP endpoint alike::

    {"type": "analytics.beacon",
     "data": {"events": [{"kind": "impression" | "click" | "sheet_open",
                          "product_id": 3, "count": 1}, ...]}}

The page batches them (one message every few seconds at most). A product not on the
room's shelf is dropped when the node flushes; anything malformed is refused whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livecommerce.analytics.kinds import BEACON_KINDS
from livecommerce.errors import InvalidInput

MESSAGE_TYPE = "analytics.beacon"
MAX_ITEMS = 20
MAX_COUNT = 50
MIN_INTERVAL_SECONDS = 2.0
"""One beacon per socket (or per address over HTTP) this often at most."""
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Count:
    kind: str
    """The ledger kind (``card.impression``, ``card.click``, ``sheet.opened``)."""
    product_id: int
    count: int


def parse(data: Mapping[str, Any]) -> list[Count]:
    """The beacon's counts, or ``InvalidInput`` naming what is wrong."""
    items = data.get("events")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise InvalidInput(f"events must be a list of 1 to {MAX_ITEMS} items")
    return [_item(item) for item in items]


def _item(item: Any) -> Count:
    if not isinstance(item, dict) or set(item) - {"kind", "product_id", "count"}:
        raise InvalidInput('each event is {"kind", "product_id", "count"?}')
    name = item.get("kind")
    kind = BEACON_KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise InvalidInput(f"kind must be one of {', '.join(sorted(BEACON_KINDS))}")
    product_id = item.get("product_id")
    if not isinstance(product_id, int) or not _is_int(product_id, 1, _MAX_ID):
        raise InvalidInput("product_id must be a product id")
    count = item.get("count", 1)
    if not _is_int(count, 1, MAX_COUNT):
        raise InvalidInput(f"count must be an integer from 1 to {MAX_COUNT}")
    return Count(kind, product_id, count)


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
