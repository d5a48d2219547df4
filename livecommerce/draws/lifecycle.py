"""The draw's and a pick's states; the only place their strings are spelled."""

from __future__ import annotations

from enum import StrEnum


class DrawStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PickStatus(StrEnum):
    WON = "won"
    """Waiting to be claimed, until ``claim_by``."""
    CLAIMED = "claimed"
    FORFEITED = "forfeited"
    """Not claimed in time: the prize went to the next entrant of the ranking."""


class Condition(StrEnum):
    KEYWORD = "keyword"
    WATCH = "watch"
    FOLLOW = "follow"
    PURCHASE = "purchase"


class PrizeKind(StrEnum):
    PRODUCT = "product"
    COUPON = "coupon"
