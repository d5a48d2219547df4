"""The commission lifecycle and its pure arithmetic: the one home of these status strings.

::

    pending ──(order completed: return window passed)──> payable
       │                                                    │
       └──(refunded before completion)──> cancelled         └──(refund after)──> adjusted (-)

A commission is one order's pay to one promoter. Its money lives in postings
(``commission_entry``): ``accrued`` puts the amount on the pending balance when the
order is paid; ``released`` moves what is left of it to payable when the order
completes; ``cancelled`` takes refunded units' share off pending; ``adjusted`` takes it
off payable (a negative adjustment) when the refund comes after release.

**Two levels at most, and no pay for recruiting.** PRC rules against pyramid selling
(《禁止传销条例》, 2005) forbid pay for bringing in members or from the sales of a
downline of unbounded depth. So a commission is only ever a share of a buyer's paid
order; recruiting a promoter earns nothing; level 2 (the promoter who brought the
level-1 promoter, off by default) is the deepest there is.
"""

from __future__ import annotations

from enum import StrEnum

BASIS_POINTS = 10_000
MAX_RATE_BP = 5_000
MAX_LEVELS = 2


class CommissionStatus(StrEnum):
    PENDING = "pending"
    PAYABLE = "payable"
    CANCELLED = "cancelled"


class EntryKind(StrEnum):
    ACCRUED = "accrued"
    RELEASED = "released"
    CANCELLED = "cancelled"
    ADJUSTED = "adjusted"


class PromoterStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


class TargetKind(StrEnum):
    ROOM = "room"
    PRODUCT = "product"


def commission_cents(base_cents: int, rate_bp: int) -> int:
    """The promoter's share of ``base_cents`` (what the buyer paid), rounded down."""
    return base_cents * rate_bp // BASIS_POINTS


def clawed_back(amount_cents: int, *, quantity: int, refunded_quantity: int) -> int:
    """How much of ``amount_cents`` the refunded units take back in all."""
    if refunded_quantity >= quantity:
        return amount_cents
    return amount_cents * refunded_quantity // quantity
