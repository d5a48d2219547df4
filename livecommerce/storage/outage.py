"""What a database outage is, in one place, and the domain error it is answered with.

A database that cannot be reached (stopped, restarting, a connection cut) surfaces from
a unit of work or a read as ``Unavailable``: the same request may work in a moment, so
every caller answers it as a 503 with ``Retry-After`` instead of an internal error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]  # no stubs; only its exception classes are used
from sqlalchemy import exc as sa_exc

from livecommerce.errors import Unavailable

# PostgreSQL rolled the transaction back to break a deadlock or a serialization
# conflict: nothing was written and the same request will work when retried.
_CONFLICTS: tuple[type[BaseException], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
_OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset: the server is down or went away
    TimeoutError,  # connecting took too long
    sa_exc.TimeoutError,  # no pooled connection came free in time
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection found closed
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    *_CONFLICTS,
)
# Where an outage error can come from, for handlers that catch what escaped a unit of work.
OUTAGE_SOURCES: tuple[type[Exception], ...] = (
    sa_exc.SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
)
RETRY_AFTER_SECONDS = 1.0
"""What a client is told to wait: a restarting database is usually back within seconds."""


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and, inside SQLAlchemy's wrapper, the driver's error, its adapter's and
    their causes; never what was being handled when ``error`` was raised: a domain error
    raised after the stock gate's Redis refused a connection is no outage."""
    found = [error]
    cause: BaseException | None = error.orig if isinstance(error, sa_exc.DBAPIError) else None
    while cause is not None and len(found) < 5:
        found.append(cause)
        cause = cause.__cause__
    return found


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot take the request now, rather than a
    fault in the request or the code."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return any(isinstance(e, _OUTAGES) for e in _chain(error))


def unavailable(error: BaseException) -> Unavailable:
    """The domain error an outage is answered with."""
    if any(isinstance(e, _CONFLICTS) for e in _chain(error)):
        message = "the database undid this write, which met another at the same moment; try again"
    else:
        message = "the database is unreachable; try again shortly"
    return Unavailable(message, retry_after=RETRY_AFTER_SECONDS)


@asynccontextmanager
async def outages_unavailable() -> AsyncIterator[None]:
    """Raise ``Unavailable`` for an outage inside the block; other errors pass as they are."""
    try:
        yield
    except Exception as exc:
        if is_outage(exc):
            raise unavailable(exc) from exc
        raise
