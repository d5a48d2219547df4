"""Domain errors, each with a stable string code, and the tables every code is answered by.

Domains only raise. ``DOMAIN_CODES`` maps each class's code to its HTTP status and its
WebSocket close code; ``TRANSPORT_CODES`` holds the codes the routes produce themselves
(a malformed body, a WebSocket flood). ``livecommerce.routes.errors`` answers from these
tables and nowhere else; pages show the text ``error.<code>`` (``page_key``) from
``web/static/i18n/messages.json``, never the English ``message``. The tree::

    DomainError                   code
    ├── InvalidInput              invalid_input
    │   ├── BlockedWord           blocked_word
    │   ├── DrawDurationOutOfRange draw_duration_out_of_range
    │   ├── DrawConditionUnavailable draw_condition_unavailable
    │   ├── DrawPrizeUnsupported  draw_prize_unsupported
    │   ├── PrizeNotOnShelf       prize_not_on_shelf
    │   └── PrizeOverCap          prize_over_cap
    ├── NotAuthenticated          not_authenticated
    │   └── BadCredentials        bad_credentials
    ├── PermissionDenied          forbidden
    ├── NotFound                  not_found
    ├── Conflict                  conflict
    │   ├── AlreadyExists         already_exists
    │   ├── IllegalTransition     illegal_transition
    │   ├── SoldOut               sold_out
    │   ├── LimitExceeded         limit_exceeded
    │   ├── SaleNotLive           sale_not_live    (base of the three below)
    │   │   ├── SaleNotStarted    sale_not_started
    │   │   ├── SaleEnded         sale_ended
    │   │   └── SaleCancelled     sale_cancelled
    │   ├── KeyReused             idempotency_key_reused
    │   ├── DrawActive            draw_active
    │   └── ClaimExpired          claim_expired
    ├── RateLimited               rate_limited     (carries retry_after seconds)
    └── Unavailable               unavailable      (carries retry_after seconds)
"""

from __future__ import annotations

from dataclasses import dataclass


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


class NotAuthenticated(DomainError):
    """No valid token or session was presented."""

    code = "not_authenticated"


class BadCredentials(NotAuthenticated):
    """Handle and password do not match."""

    code = "bad_credentials"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state."""

    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class IllegalTransition(Conflict):
    """A lifecycle was asked to move along an edge it does not have."""

    code = "illegal_transition"


class SoldOut(Conflict):
    code = "sold_out"


class LimitExceeded(Conflict):
    """The buyer would pass the per-buyer limit."""

    code = "limit_exceeded"


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


class DrawDurationOutOfRange(InvalidInput):
    """A lucky draw runs 30 seconds to 15 minutes."""

    code = "draw_duration_out_of_range"


class DrawConditionUnavailable(InvalidInput):
    """The entry condition asked for does not exist yet (follow: no follows yet)."""

    code = "draw_condition_unavailable"


class DrawPrizeUnsupported(InvalidInput):
    """The prize kind asked for cannot be given yet (coupons: not merged yet)."""

    code = "draw_prize_unsupported"


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
    NotAuthenticated.code: _AUTH,
    BadCredentials.code: _AUTH,
    PermissionDenied.code: Answer(403, 4403),
    NotFound.code: Answer(404, 4404),
    Conflict.code: _CONFLICT,
    AlreadyExists.code: _CONFLICT,
    IllegalTransition.code: _CONFLICT,
    SoldOut.code: _CONFLICT,
    LimitExceeded.code: _CONFLICT,
    SaleNotLive.code: _CONFLICT,
    SaleNotStarted.code: _CONFLICT,
    SaleEnded.code: _CONFLICT,
    SaleCancelled.code: _CONFLICT,
    KeyReused.code: _CONFLICT,
    DrawDurationOutOfRange.code: _INVALID,
    DrawConditionUnavailable.code: _INVALID,
    DrawPrizeUnsupported.code: _INVALID,
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
