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

_OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset: the server is down or went away
    TimeoutError,  # connecting took too long
    sa_exc.TimeoutError,  # no pooled connection came free in time
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection found closed
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
# Where an outage error can come from, for handlers that catch what escaped a unit of work.
OUTAGE_SOURCES: tuple[type[Exception], ...] = (
    sa_exc.SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
)
RETRY_AFTER_SECONDS = 1.0
"""What a client is told to wait: a restarting database is usually back within seconds."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached now, rather than a fault
    in the request or the code. Looks inside SQLAlchemy's wrapper (to the driver's error
    and what caused it), never at what was being handled when ``error`` was raised: a
    domain error raised after the stock gate's Redis refused a connection is no outage."""
    if isinstance(error, _OUTAGES):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause: BaseException | None = error.orig
    for _ in range(4):  # the driver's error, its adapter's, and their causes
        if cause is None:
            return False
        if isinstance(cause, _OUTAGES):
            return True
        cause = cause.__cause__
    return False


def unavailable(error: BaseException) -> Unavailable:
    """The domain error an outage is answered with."""
    return Unavailable(
        "the database is unreachable; try again shortly", retry_after=RETRY_AFTER_SECONDS
    )


@asynccontextmanager
async def outages_unavailable() -> AsyncIterator[None]:
    """Raise ``Unavailable`` for an outage inside the block; other errors pass as they are."""
    try:
        yield
    except Exception as exc:
        if is_outage(exc):
            raise unavailable(exc) from exc
        raise
