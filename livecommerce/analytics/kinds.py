"""Every kind of ledger row, in one place (the orders' own are named by ``orders.funnel``)."""

from __future__ import annotations

from livecommerce.orders.funnel import CANCELLED, EXPIRED, ORDER_KINDS, PAID, PLACED, REFUNDED

JOINED = "viewer.joined"
"""A socket joined the room: one watch session began (``viewer`` names who)."""
LEFT = "viewer.left"
"""A watch session ended; ``value_ms`` is how long it lasted."""
SAMPLED = "viewers.sampled"
"""The room-wide viewer count seen by a node at a flush; ``count`` is the count."""
IMPRESSION = "card.impression"
CLICK = "card.click"
SHEET_OPENED = "sheet.opened"
BEACON_KINDS = {"impression": IMPRESSION, "click": CLICK, "sheet_open": SHEET_OPENED}
"""The client's names (``analytics.beacon``) for the counters it reports."""

TIMELINE_TYPES = frozenset(
    {
        "room.started", "room.ended", "stream.started", "stream.ended",
        "product.pinned", "product.unpinned",
        "sale.started", "sale.sold_out", "sale.restocked", "sale.ended", "sale.cancelled",
        "moderation.muted", "moderation.banned", "moderation.lifted",
        "moderation.slow_mode_changed", "moderation.blocked_words_changed", "chat.deleted",
    }
)  # fmt: skip
"""Room events the ledger keeps as they happen: the host's actions and the show's state,
for the timeline of chart annotations. Their kind is the event's type."""

EFFECTIVE_VIEW_MS = 10_000
"""A watch session counts as an effective view when it lasts longer than this."""

__all__ = [
    "BEACON_KINDS", "CANCELLED", "CLICK", "EFFECTIVE_VIEW_MS", "EXPIRED", "IMPRESSION",
    "JOINED", "LEFT", "ORDER_KINDS", "PAID", "PLACED", "REFUNDED", "SAMPLED", "SHEET_OPENED",
    "TIMELINE_TYPES",
]  # fmt: skip
