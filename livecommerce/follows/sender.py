"""Posting webhook deliveries: claimed with a lease, retried with exponential backoff.

Every node runs the loop. A due delivery is claimed with a conditional update of its
lease (like ``storage/outbox.py``), so one node posts it at a time; a node that dies
mid-post leaves the lease to run out and another node retries. Delivery is at least
once: the receiver deduplicates by the delivery id, which every attempt repeats.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import WebhookUrlRefused
from livecommerce.follows import signing, targets
from livecommerce.storage.follow_models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 20
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    event: str
    body: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str = ""
    final: bool = False  # no retry can help (the URL now points somewhere refused)


@dataclass(frozen=True, slots=True)
class Policy:
    base: timedelta
    max_attempts: int
    timeout: float
    allow_loopback: bool

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: base, 2 base, 4 base, ..."""
        delay: timedelta = self.base * 2 ** (attempts - 1)
        return min(delay, MAX_DELAY)


def _free(now: datetime) -> ColumnElement[bool]:
    d = WebhookDelivery
    return or_(d.leased_until.is_(None), d.leased_until < now)


async def claim_due(session: AsyncSession, *, now: datetime) -> list[Job]:
    d = WebhookDelivery
    due = (d.status == "pending", d.next_attempt_at <= now, _free(now))
    ids = list(
        await session.scalars(select(d.id).where(*due).order_by(d.next_attempt_at).limit(BATCH))
    )
    jobs: list[Job] = []
    for delivery_id in ids:
        taken = await session.execute(
            update(d).where(d.id == delivery_id, *due).values(leased_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if not getattr(taken, "rowcount", 0):
            continue
        row = (await session.execute(
            select(d, WebhookEndpoint).join(WebhookEndpoint, WebhookEndpoint.id == d.endpoint_id)
            .where(d.id == delivery_id)
        )).first()  # fmt: skip
        if row is not None:
            x, endpoint = row
            jobs.append(Job(x.id, x.event, x.body, x.attempts, endpoint.url, endpoint.secret))
    return jobs


async def post(client: httpx.AsyncClient, job: Job, policy: Policy) -> Outcome:
    """One attempt; never raises."""
    try:
        await targets.check_url(job.url, allow_loopback=policy.allow_loopback)
    except WebhookUrlRefused as exc:
        return Outcome(False, exc.message[:300], final=True)
    body = job.body.encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "livecommerce-webhooks",
        "Livecommerce-Delivery": job.id, "Livecommerce-Event": job.event,
        "Livecommerce-Signature": signing.signature(job.secret, int(time.time()), body),
    }  # fmt: skip
    try:
        answer = await client.post(job.url, content=body, headers=headers, timeout=policy.timeout)
    except httpx.HTTPError as exc:
        return Outcome(False, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= answer.status_code < 300:
        return Outcome(True)
    return Outcome(False, f"HTTP {answer.status_code}")


async def record(
    session: AsyncSession, job: Job, outcome: Outcome, *, now: datetime, policy: Policy
) -> None:
    """Write how the attempt went: delivered, retry later, or given up."""
    d, attempts = WebhookDelivery, job.attempts + 1
    values: dict[str, object] = {"attempts": attempts, "leased_until": None}
    if outcome.ok:
        values.update(status="delivered", delivered_at=now, last_error="")
    elif outcome.final or attempts >= policy.max_attempts:
        values.update(status="failed", last_error=outcome.error)
        log.warning("webhook delivery %s gave up after %d attempts: %s", job.id, attempts,
                    outcome.error)  # fmt: skip
    else:
        values.update(last_error=outcome.error, next_attempt_at=now + policy.delay(attempts))
    await session.execute(
        update(d).where(d.id == job.id, d.status == "pending").values(**values)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
