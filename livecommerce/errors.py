"""Domain errors, each with a stable string code, and the tables every code is answered by.

Domains only raise. ``DOMAIN_CODES`` maps each class's code to its HTTP status and its
WebSocket close code; ``TRANSPORT_CODES`` holds the codes the routes produce themselves
(a malformed body, a WebSocket flood). ``livecommerce.routes.errors`` answers from these
tables and nowhere else; pages show the text ``error.<code>`` (``page_key``) from
``web/static/i18n/messages.json``, never the English ``message``. The tree::

    DomainError                   code
    ├── InvalidInput              invalid_input
    │   ├── BlockedWord           blocked_word
    │   ├── InvalidAddress        invalid_address
    │   ├── AddressRequired       address_required
    │   ├── BadReferralCode       invalid_referral_code
    │   │   └── ReferralCodeExpired  referral_code_expired
    │   ├── BadShipmentFile       bad_shipment_file  (carries the bad rows)
    │   ├── DrawDurationOutOfRange, DrawConditionUnavailable, PrizeNotOnShelf, PrizeOverCap
    │   │                         draw_duration_out_of_range, ..., prize_over_cap
    │   ├── FollowSelf, NotFollowable  follow_self, not_followable
    │   └── WebhookUrlRefused     webhook_url_refused
    ├── NotAuthenticated          not_authenticated
    │   └── BadCredentials        bad_credentials
    ├── PermissionDenied          forbidden
    │   ├── NotYourOrder          not_your_order
    │   ├── Muted                 muted            (carries until, None: the show's end)
    │   ├── MinorCannotGift       minor_cannot_gift
    │   └── PromoterNotApproved   promoter_not_approved
    ├── NotFound                  not_found
    │   ├── CouponNotFound        coupon_not_found (someone else's coupon, too)
    │   └── UnknownGift           unknown_gift
    ├── Conflict                  conflict
    │   ├── AlreadyExists         already_exists
    │   ├── IllegalTransition     illegal_transition
    │   ├── RoomEnded             room_ended
    │   ├── SoldOut               sold_out
    │   ├── LimitExceeded         limit_exceeded
    │   ├── AlreadyPublishing     already_publishing
    │   ├── SaleOverlaps          sale_overlaps
    │   ├── ProductOnShelf        product_on_shelf
    │   ├── ProductInDeal         product_in_deal
    │   ├── TooManyAddresses      too_many_addresses
    │   ├── SaleNotLive           sale_not_live    (base of Sale{NotStarted, Ended,
    │   │                         Cancelled}: sale_not_started, sale_ended, sale_cancelled)
    │   ├── KeyReused             idempotency_key_reused
    │   ├── Return{WindowClosed, Excluded, TooMany}  return_window_closed, ...
    │   ├── AlreadyRefunded       already_refunded
    │   ├── ShowNotUpcoming       show_not_upcoming
    │   ├── CouponRefused         coupon_refused   (base of Coupon{Exhausted, Limit, Closed,
    │   │                         Expired, Used, NotEligible, NotApplicable, BelowMinimum,
    │   │                         NotStackable}: coupon_exhausted, coupon_limit_reached, ...)
    │   ├── Gift{OverCap, DailyLimit, MonthlyLimit}, InsufficientBalance, HostGiftMuted
    │   │                         gift_over_cap, gift_daily_limit, gift_monthly_limit, ...
    │   ├── AwaitingGroup, Group{Full, Closed, Expired}, AlreadyInGroup
    │   │                         awaiting_group, group_full, group_closed, ...
    │   ├── SelfReferral          self_referral
    │   ├── DrawActive            draw_active
    │   └── ClaimExpired          claim_expired
    ├── RateLimited               rate_limited     (carries retry_after seconds)
    └── Unavailable               unavailable      (carries retry_after seconds)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class DomainError(Exception):
    """Base of every error a domain raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request is well formed but its values break a rule."""

    code = "invalid_input"


class BlockedWord(InvalidInput):
    """A chat message contains a word the room blocks."""

    code = "blocked_word"


class InvalidAddress(InvalidInput):
    """An address field is empty, too long or not of its form (the message says which)."""

    code = "invalid_address"


class AddressRequired(InvalidInput):
    """Paying needs an address to ship to, and the buyer has none (or named none)."""

    code = "address_required"


class BadReferralCode(InvalidInput):
    """A referral code that is not ours: malformed, or its signature does not match."""

    code = "invalid_referral_code"


class ReferralCodeExpired(BadReferralCode):
    """A genuine referral code past its lifetime; the promoter takes a fresh link."""

    code = "referral_code_expired"


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused line of an uploaded file: its 1-based line number and a stable code."""

    line: int
    code: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "code": self.code, "message": self.message}


class BadShipmentFile(InvalidInput):
    """A shipment upload has bad rows; none of it was applied. ``rows`` lists each."""

    code = "bad_shipment_file"

    def __init__(self, message: str, *, rows: list[RowError]) -> None:
        super().__init__(message)
        self.rows = rows
        self.extra = {"rows": [row.as_dict() for row in rows]}


class FollowSelf(InvalidInput):
    """A user tried to follow themselves."""

    code = "follow_self"


class NotFollowable(InvalidInput):
    """Only hosts and shops (merchants) are followed, not viewers."""

    code = "not_followable"


class WebhookUrlRefused(InvalidInput):
    """A webhook URL that is not http(s), or that resolves to a private, loopback or
    link-local address (the server would be made to call into its own network)."""

    code = "webhook_url_refused"


class NotAuthenticated(DomainError):
    """No valid token or session was presented."""

    code = "not_authenticated"


class BadCredentials(NotAuthenticated):
    """Handle and password do not match."""

    code = "bad_credentials"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class NotYourOrder(PermissionDenied):
    """A merchant acted on an order of another merchant's product."""

    code = "not_your_order"


class Muted(PermissionDenied):
    """A moderator muted the caller in this room: watching is fine, chatting is not."""

    code = "muted"

    def __init__(self, message: str, *, until: datetime | None) -> None:
        super().__init__(message)
        self.until = until


class MinorCannotGift(PermissionDenied):
    """The account is flagged as a minor's: it cannot send gifts or top up a wallet."""

    code = "minor_cannot_gift"


class PromoterNotApproved(PermissionDenied):
    """The merchant shares through approved promoters only, and the caller is not one."""

    code = "promoter_not_approved"


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class CouponNotFound(NotFound):
    """No such coupon among the caller's own (another user's is reported missing)."""

    code = "coupon_not_found"


class UnknownGift(NotFound):
    """No such gift in the catalogue of the room's shop (or it was withdrawn)."""

    code = "unknown_gift"


class Conflict(DomainError):
    """The request clashes with the current state."""

    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class IllegalTransition(Conflict):
    """A lifecycle was asked to move along an edge it does not have."""

    code = "illegal_transition"


class RoomEnded(Conflict):
    """The show is over: no more chat, pins or deals in it."""

    code = "room_ended"


class SoldOut(Conflict):
    code = "sold_out"


class LimitExceeded(Conflict):
    """The buyer would pass the per-buyer limit."""

    code = "limit_exceeded"


class AlreadyPublishing(Conflict):
    """Another publish (a test pattern, OBS, a second studio) holds the room's video;
    a manager may take it over."""

    code = "already_publishing"


class SaleOverlaps(Conflict):
    """The room already has a deal open in that window: viewers see one deal at a time."""

    code = "sale_overlaps"


class ProductOnShelf(Conflict):
    """The product is on the shelf of a show that has not ended; take it off first."""

    code = "product_on_shelf"


class ProductInDeal(Conflict):
    """The product has an open flash deal in this room; it stays on the shelf until the
    deal closes."""

    code = "product_in_deal"


class TooManyAddresses(Conflict):
    """The buyer's address book is full."""

    code = "too_many_addresses"


class SaleNotLive(Conflict):
    """The flash sale is not selling; the subclasses say why."""

    code = "sale_not_live"


class SaleNotStarted(SaleNotLive):
    code = "sale_not_started"


class SaleEnded(SaleNotLive):
    code = "sale_ended"


class SaleCancelled(SaleNotLive):
    code = "sale_cancelled"


class KeyReused(Conflict):
    """An Idempotency-Key already bought something else; a key names one purchase."""

    code = "idempotency_key_reused"


class ReturnWindowClosed(Conflict):
    """The no-reason return window after delivery has passed (or not begun)."""

    code = "return_window_closed"


class ReturnExcluded(Conflict):
    """The product is excluded from no-reason returns (made to order, perishable, digital)."""

    code = "return_excluded"


class ReturnTooMany(Conflict):
    """More units asked back than the order has left to refund."""

    code = "return_too_many"


class SelfReferral(Conflict):
    """A promoter arrived through their own link: nobody is bound, nothing is earned."""

    code = "self_referral"


class AlreadyRefunded(Conflict):
    """The refund was already approved or paid; a second one would pay twice."""

    code = "already_refunded"


class CouponRefused(Conflict):
    """A coupon cannot be claimed or used here; the subclasses say why."""

    code = "coupon_refused"


class CouponExhausted(CouponRefused):
    """Every coupon of the drop is claimed."""

    code = "coupon_exhausted"


class CouponLimit(CouponRefused):
    """The buyer already holds as many of this drop as one buyer may claim."""

    code = "coupon_limit_reached"


class CouponClosed(CouponRefused):
    """The drop's claim window is over (its time passed, or its show ended)."""

    code = "coupon_closed"


class CouponExpired(CouponRefused):
    """The claimed coupon's validity is over."""

    code = "coupon_expired"


class CouponUsed(CouponRefused):
    """The claimed coupon is already on another order."""

    code = "coupon_used"


class CouponNotEligible(CouponRefused):
    """The coupon's audience leaves this buyer out (first-time buyers only)."""

    code = "coupon_not_eligible"


class CouponNotApplicable(CouponRefused):
    """The coupon does not cover this product."""

    code = "coupon_not_applicable"


class CouponBelowMinimum(CouponRefused):
    """The order does not reach the coupon's minimum spend."""

    code = "coupon_below_minimum"


class CouponNotStackable(CouponRefused):
    """A flash-deal price and this coupon do not combine."""

    code = "coupon_not_stackable"


class GiftOverCap(Conflict):
    """One send would cost more than the per-send cap (``gift_max_cents_per_send``)."""

    code = "gift_over_cap"


class GiftDailyLimit(Conflict):
    """The send would take the viewer's gifts today past the daily limit."""

    code = "gift_daily_limit"


class GiftMonthlyLimit(Conflict):
    """The send would take the viewer's gifts this month past the monthly limit."""

    code = "gift_monthly_limit"


class InsufficientBalance(Conflict):
    """The wallet holds less than the send costs; top it up first."""

    code = "insufficient_balance"


class HostGiftMuted(Conflict):
    """The platform stopped this host from receiving gifts for a while."""

    code = "host_gift_muted"


class AwaitingGroup(Conflict):
    """A group-buy order is not shippable until its group has filled."""

    code = "awaiting_group"


class GroupFull(Conflict):
    """Every seat of the group is taken."""

    code = "group_full"


class GroupClosed(Conflict):
    """The group is no longer open: completed, failed or cancelled."""

    code = "group_closed"


class GroupExpired(Conflict):
    """The group's time limit has passed."""

    code = "group_expired"


class AlreadyInGroup(Conflict):
    """The buyer already holds a seat in this group."""

    code = "already_in_group"


class DrawDurationOutOfRange(InvalidInput):
    """A lucky draw runs 30 seconds to 15 minutes."""

    code = "draw_duration_out_of_range"


class DrawConditionUnavailable(InvalidInput):
    """The entry condition asked for is declared but not enabled yet (follow: no
    follows yet; ``draws.conditions.QUALIFIERS`` enables a condition)."""

    code = "draw_condition_unavailable"


class PrizeNotOnShelf(InvalidInput):
    """A product prize must be on the room's shelf."""

    code = "prize_not_on_shelf"


class PrizeOverCap(InvalidInput):
    """A prize worth more than the legal cap (50,000 yuan: PRC Anti-Unfair Competition
    Law, Art. 10) is refused."""

    code = "prize_over_cap"


class DrawActive(Conflict):
    """The room already has an open draw; one at a time."""

    code = "draw_active"


class ClaimExpired(Conflict):
    """The prize was not claimed in time; it went (or goes) to the next in the ranking."""

    code = "claim_expired"


class ShowNotUpcoming(Conflict):
    """Reminders are for upcoming shows: this one is live or over."""

    code = "show_not_upcoming"


class RateLimited(DomainError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A capacity or dependency limit; the same request may work later."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Answer:
    """How one code reaches a client.

    ``status`` is the HTTP status (None: the code is only sent on a WebSocket); ``close``
    is the WebSocket close code when the error ends the socket (None: it never does, the
    client gets an ``error`` event and the socket stays open).
    """

    status: int | None
    close: int | None


def page_key(code: str) -> str:
    """The messages.json key whose en and zh text a page shows for ``code``."""
    return f"error.{code}"


_INVALID, _AUTH, _CONFLICT = Answer(422, 4400), Answer(401, 4401), Answer(409, 4409)

DOMAIN_CODES: dict[str, Answer] = {
    DomainError.code: Answer(400, 4400),
    InvalidInput.code: _INVALID,
    BlockedWord.code: _INVALID,
    InvalidAddress.code: _INVALID,
    AddressRequired.code: _INVALID,
    BadShipmentFile.code: _INVALID,
    BadReferralCode.code: _INVALID,
    ReferralCodeExpired.code: _INVALID,
    FollowSelf.code: _INVALID,
    NotFollowable.code: _INVALID,
    WebhookUrlRefused.code: _INVALID,
    NotAuthenticated.code: _AUTH,
    BadCredentials.code: _AUTH,
    PermissionDenied.code: Answer(403, 4403),
    NotYourOrder.code: Answer(403, 4403),
    Muted.code: Answer(403, 4403),
    MinorCannotGift.code: Answer(403, 4403),
    PromoterNotApproved.code: Answer(403, 4403),
    NotFound.code: Answer(404, 4404),
    CouponNotFound.code: Answer(404, 4404),
    UnknownGift.code: Answer(404, 4404),
    Conflict.code: _CONFLICT,
    AlreadyExists.code: _CONFLICT,
    IllegalTransition.code: _CONFLICT,
    RoomEnded.code: _CONFLICT,
    SoldOut.code: _CONFLICT,
    LimitExceeded.code: _CONFLICT,
    AlreadyPublishing.code: _CONFLICT,
    SaleOverlaps.code: _CONFLICT,
    ProductOnShelf.code: _CONFLICT,
    ProductInDeal.code: _CONFLICT,
    TooManyAddresses.code: _CONFLICT,
    SaleNotLive.code: _CONFLICT,
    SaleNotStarted.code: _CONFLICT,
    SaleEnded.code: _CONFLICT,
    SaleCancelled.code: _CONFLICT,
    KeyReused.code: _CONFLICT,
    ReturnWindowClosed.code: _CONFLICT,
    ReturnExcluded.code: _CONFLICT,
    ReturnTooMany.code: _CONFLICT,
    AlreadyRefunded.code: _CONFLICT,
    ShowNotUpcoming.code: _CONFLICT,
    CouponRefused.code: _CONFLICT,
    CouponExhausted.code: _CONFLICT,
    CouponLimit.code: _CONFLICT,
    CouponClosed.code: _CONFLICT,
    CouponExpired.code: _CONFLICT,
    CouponUsed.code: _CONFLICT,
    CouponNotEligible.code: Answer(403, 4403),
    CouponNotApplicable.code: _INVALID,
    CouponBelowMinimum.code: _INVALID,
    CouponNotStackable.code: _INVALID,
    GiftOverCap.code: _CONFLICT,
    GiftDailyLimit.code: _CONFLICT,
    GiftMonthlyLimit.code: _CONFLICT,
    InsufficientBalance.code: _CONFLICT,
    HostGiftMuted.code: _CONFLICT,
    AwaitingGroup.code: _CONFLICT,
    GroupFull.code: _CONFLICT,
    GroupClosed.code: _CONFLICT,
    GroupExpired.code: _CONFLICT,
    AlreadyInGroup.code: _CONFLICT,
    SelfReferral.code: _CONFLICT,
    DrawDurationOutOfRange.code: _INVALID,
    DrawConditionUnavailable.code: _INVALID,
    PrizeNotOnShelf.code: _INVALID,
    PrizeOverCap.code: _INVALID,
    DrawActive.code: _CONFLICT,
    ClaimExpired.code: _CONFLICT,
    RateLimited.code: Answer(429, 4429),
    # 1013 is WebSocket's own "try again later", which clients already retry on.
    Unavailable.code: Answer(503, 1013),
}
"""Every ``DomainError`` subclass's code (a test enumerates the classes)."""

TRANSPORT_CODES: dict[str, Answer] = {
    "bad_request": Answer(400, None),  # bad JSON, a bad header, a body that ended early
    "method_not_allowed": Answer(405, None),
    "too_large": Answer(413, 1009),  # an HTTP body, or a WebSocket message over 4 KiB
    "unsupported_media_type": Answer(415, None),
    "internal": Answer(500, None),  # a bug: logged, and the socket stays open
    "invalid_message": Answer(None, None),  # a WebSocket message that is not our JSON
    "unknown_type": Answer(None, None),  # a WebSocket message type nobody handles
    "flood": Answer(None, 4429),  # a socket sending refused messages past the strikes
}
"""Codes the routes answer with themselves; pages translate them like the domain's."""

ALL_CODES: dict[str, Answer] = {**DOMAIN_CODES, **TRANSPORT_CODES}
