"""Merchants' outbound webhooks: where to post, and the durable deliveries to post there.

A reminder chunk queues one delivery per endpoint of the show's merchant and per
``RECIPIENTS`` subscribers, in the chunk's own transaction; ``sender`` posts them.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.storage.follow_models import Reminder, WebhookDelivery, WebhookEndpoint
from livecommerce.storage.models import Room, User

MAX_ENDPOINTS = 5
RECIPIENTS = 1000
"""Subscribers per delivery body: a receiver gets bounded requests at 100,000 too."""
EVENTS = {"soon": "show.soon", "start": "show.starting"}


@dataclass(frozen=True, slots=True)
class EndpointView:
    id: int
    url: str
    created_at: datetime
    secret: str | None = None  # shown once, when it is made

    def as_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "url": self.url, "created_at": self.created_at.isoformat()}
        return data if self.secret is None else {**data, "secret": self.secret}


def require_merchant(caller: Principal) -> None:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants set up webhooks")


async def add_endpoint(
    session: AsyncSession, *, caller: Principal, url: str, now: datetime
) -> EndpointView:
    """Add an endpoint (its URL already checked); the answer carries its secret once."""
    require_merchant(caller)
    count = await session.scalar(
        select(func.count()).select_from(WebhookEndpoint)
        .where(WebhookEndpoint.merchant_id == caller.user_id)
    )  # fmt: skip
    if int(count or 0) >= MAX_ENDPOINTS:
        raise InvalidInput(f"a shop has at most {MAX_ENDPOINTS} webhooks")
    row = WebhookEndpoint(
        merchant_id=caller.user_id, url=url, secret="whsec_" + secrets.token_hex(24),
        created_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return EndpointView(row.id, row.url, row.created_at, row.secret)


async def endpoints(session: AsyncSession, *, caller: Principal) -> list[EndpointView]:
    require_merchant(caller)
    rows = await session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == caller.user_id)
        .order_by(WebhookEndpoint.id)
    )  # fmt: skip
    return [EndpointView(r.id, r.url, r.created_at) for r in rows]


async def remove_endpoint(session: AsyncSession, *, caller: Principal, endpoint_id: int) -> None:
    """Remove an endpoint and what it had still to receive."""
    require_merchant(caller)
    row = await session.get(WebhookEndpoint, endpoint_id)
    if row is None or row.merchant_id != caller.user_id:
        raise NotFound(f"webhook {endpoint_id} not found")
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
    await session.delete(row)


async def deliveries(
    session: AsyncSession, *, caller: Principal, endpoint_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """The endpoint's latest deliveries and how each went."""
    require_merchant(caller)
    row = await session.get(WebhookEndpoint, endpoint_id)
    if row is None or row.merchant_id != caller.user_id:
        raise NotFound(f"webhook {endpoint_id} not found")
    d = WebhookDelivery
    found = await session.scalars(
        select(d).where(d.endpoint_id == endpoint_id).order_by(d.created_at.desc()).limit(limit)
    )
    return [
        {"id": x.id, "event": x.event, "status": x.status, "attempts": x.attempts,
         "last_error": x.last_error, "created_at": x.created_at.isoformat(),
         "delivered_at": x.delivered_at.isoformat() if x.delivered_at else None}
        for x in found
    ]  # fmt: skip


def _body(
    delivery_id: str, event: str, show: dict[str, Any], people: list[Any], now: datetime
) -> str:
    recipients = [{"user_id": u, "handle": h, "display_name": n} for u, h, n in people]
    body = {"id": delivery_id, "type": event, "created_at": now.isoformat(), "show": show,
            "recipients": recipients}  # fmt: skip
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


async def _show(session: AsyncSession, room: Room, base_url: str) -> dict[str, Any]:
    host = await session.get(User, room.host_id)
    return {
        "id": room.id, "title": room.title, "host": host.display_name if host else "",
        "scheduled_at": room.scheduled_at.isoformat(),
        "started_at": room.started_at.isoformat() if room.started_at else None,
        "url": f"{base_url}/rooms/{room.id}",
    }  # fmt: skip


async def queue_chunk(
    session: AsyncSession, *, room_id: int, kind: str, cursor: int, end: int, now: datetime,
    base_url: str,
) -> int:  # fmt: skip
    """Queue the chunk (cursor, end] of the show's subscribers to each of its merchant's
    endpoints; how many deliveries."""
    room = await session.get(Room, room_id)
    if room is None:
        return 0
    targets = list(await session.scalars(
        select(WebhookEndpoint.id).where(WebhookEndpoint.merchant_id == room.merchant_id)
    ))  # fmt: skip
    if not targets:
        return 0
    people = list(await session.execute(
        select(User.id, User.handle, User.display_name)
        .join(Reminder, Reminder.user_id == User.id)
        .where(Reminder.room_id == room_id, Reminder.id > cursor, Reminder.id <= end)
        .order_by(Reminder.id)
    ))  # fmt: skip
    show, event, rows = await _show(session, room, base_url), EVENTS[kind], []
    for start in range(0, len(people), RECIPIENTS):
        part = people[start : start + RECIPIENTS]
        for endpoint_id in targets:
            delivery_id = "dlv_" + secrets.token_hex(16)
            rows.append({
                "id": delivery_id, "endpoint_id": endpoint_id, "event": event,
                "body": _body(delivery_id, event, show, part, now), "status": "pending",
                "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
            })  # fmt: skip
    if rows:
        await session.execute(insert(WebhookDelivery), rows)
    return len(rows)
