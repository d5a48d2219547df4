"""The transactional outbox for commerce events (DESIGN section 5).

A durable event is written as a row in the transaction that emits it, leased for
:data:`LEASE` to the node that wrote it. After the commit that node publishes it and
deletes the row. If the node dies in between, the lease runs out and any live node's
relay (:func:`relay_expired`) claims the row with a conditional update, publishes it
and deletes it, so the event arrives late but arrives. Delivery is at least once: a
node stalled past its lease and the relay can both publish; events carry whole
objects (a sale with its status), so a repeat is harmless to clients.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.events.base import Emitted
from livecommerce.events.delivery import Audience, Delivery
from livecommerce.storage.models import EventOutbox

LEASE = timedelta(seconds=5)
RELAY_BATCH = 100


def row_of(event: Emitted, now: datetime) -> dict[str, Any]:
    """The outbox row's columns for ``event``, written by :func:`write`."""
    audience = json.dumps(event.audience.as_dict()) if event.audience else None
    return {
        "room_id": event.room_id, "type": event.type, "delivery": event.delivery.value,
        "data": json.dumps(event.data, ensure_ascii=False), "audience": audience,
        "created_at": now, "leased_until": now + LEASE,
    }  # fmt: skip


_WRITE = insert(EventOutbox).returning(EventOutbox.id)


async def write(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows in one multi-row statement (a bulk shipment writes hundreds per
    transaction, which one ORM insert each made a millisecond apiece); their ids."""
    if not rows:
        return []
    written = await session.execute(_WRITE, list(rows))
    # A VALUES list takes its ids in its own order (SQLite's next rowid under its one
    # writer, PostgreSQL's sequence row by row) but RETURNING promises no order, and
    # SQLAlchemy's sort_by_parameter_order falls back to a statement per row here.
    ids = sorted(row_id for (row_id,) in written)
    assert len(ids) == len(rows)
    return ids


def event_of(row: EventOutbox) -> Emitted:
    audience = Audience.parse(json.loads(row.audience)) if row.audience else None
    return Emitted(
        row.room_id, row.type, Delivery(row.delivery), json.loads(row.data), durable=True,
        audience=audience, outbox_id=row.id,
    )  # fmt: skip


async def forget(session: AsyncSession, ids: Sequence[int]) -> None:
    """Delete published rows."""
    if ids:
        await session.execute(delete(EventOutbox).where(EventOutbox.id.in_(ids)))


async def claim_expired(session: AsyncSession, *, now: datetime) -> list[Emitted]:
    """Take the rows whose lease ran out, oldest first; each is claimed by one node."""
    o = EventOutbox
    ids = list(
        await session.scalars(
            select(o.id).where(o.leased_until < now).order_by(o.id).limit(RELAY_BATCH)
        )
    )
    claimed: list[Emitted] = []
    for row_id in ids:
        taken = await session.execute(
            update(o)
            .where(o.id == row_id, o.leased_until < now)
            .values(leased_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0):
            row = await session.get(o, row_id, populate_existing=True)
            if row is not None:
                claimed.append(event_of(row))
    return claimed
