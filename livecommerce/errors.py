"""Domain errors, each with a stable string code.

Routes map a class to an HTTP status and a WebSocket close code in one place
(``livecommerce.routes.errors``); domains only raise. The tree::

    DomainError                   code
    ├── InvalidInput              invalid_input
    │   └── BlockedWord           blocked_word
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
    │   └── KeyReused             idempotency_key_reused
    ├── RateLimited               rate_limited     (carries retry_after seconds)
    └── Unavailable               unavailable      (carries retry_after seconds)
"""

from __future__ import annotations


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
