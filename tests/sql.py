"""The SQL a test's own calls send, without what the app's background loops send."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from livecommerce.supervisor import supervised


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Collect each statement sent on ``engine`` inside the block, in order.

    The order-expiry, ledger and outbox loops read and write on their own clock; a
    pass that falls inside the block is theirs, not the code under test's.
    """
    seen: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not supervised():
            seen.append(statement)

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", keep)
