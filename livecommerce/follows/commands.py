"""Use cases of follows and reminders; each opens its own unit of work."""

from __future__ import annotations

import asyncio

from livecommerce.accounts.tokens import Principal
from livecommerce.follows import following, notifications, reminders, rounds, sender, webhooks
from livecommerce.follows.desk import Follows
from livecommerce.follows.events import RemindersChanged, RemindersSent
from livecommerce.follows.targets import check_url


async def follow(desk: Follows, *, caller: Principal, followee_id: int) -> None:
    async with desk.db.unit_of_work() as uow:
        await following.follow(
            uow.session, follower_id=caller.user_id, followee_id=followee_id, now=desk.clock()
        )


async def unfollow(desk: Follows, *, caller: Principal, followee_id: int) -> None:
    async with desk.db.unit_of_work() as uow:
        await following.unfollow(uow.session, follower_id=caller.user_id, followee_id=followee_id)


async def remind(desk: Follows, *, caller: Principal, room_id: int) -> int:
    async with desk.db.unit_of_work() as uow:
        count = await reminders.remind(
            uow.session, user_id=caller.user_id, room_id=room_id, now=desk.clock()
        )
        uow.emit(room_id, RemindersChanged(count=count))
    return count


async def forget_reminder(desk: Follows, *, caller: Principal, room_id: int) -> int:
    async with desk.db.unit_of_work() as uow:
        count = await reminders.forget(uow.session, user_id=caller.user_id, room_id=room_id)
        uow.emit(room_id, RemindersChanged(count=count))
    return count


async def mark_read(desk: Follows, *, caller: Principal, up_to: int | None) -> int:
    async with desk.db.unit_of_work() as uow:
        return await notifications.mark_read(
            uow.session, caller.user_id, up_to=up_to, now=desk.clock()
        )


async def add_webhook(desk: Follows, *, caller: Principal, url: str) -> webhooks.EndpointView:
    webhooks.require_merchant(caller)
    await check_url(url, allow_loopback=desk.policy.allow_loopback)
    async with desk.db.unit_of_work() as uow:
        return await webhooks.add_endpoint(uow.session, caller=caller, url=url, now=desk.clock())


async def remove_webhook(desk: Follows, *, caller: Principal, endpoint_id: int) -> None:
    async with desk.db.unit_of_work() as uow:
        await webhooks.remove_endpoint(uow.session, caller=caller, endpoint_id=endpoint_id)


async def _chunk(desk: Follows, due: rounds.Round, cursor: int) -> int | None:
    """Notify the next chunk; the new cursor, or None when the round is over (or lost)."""
    now = desk.clock()
    async with desk.db.unit_of_work() as uow:
        end = await rounds.chunk_end(uow.session, due.room_id, cursor, desk.chunk)
        if end is None:
            notified = await rounds.finish(uow.session, due, cursor=cursor, now=now)
            if notified is not None:
                uow.emit(due.room_id, RemindersSent(kind=due.kind, notified=notified))
            return None
        if await rounds.advance(uow.session, due, cursor=cursor, end=end, now=now) is None:
            return None
        await webhooks.queue_chunk(
            uow.session, room_id=due.room_id, kind=due.kind, cursor=cursor, end=end, now=now,
            base_url=desk.base_url,
        )  # fmt: skip
    return end


async def fire_due_rounds(desk: Follows) -> int:
    """Run every reminder round due now that this node wins; how many it ran."""
    async with desk.db.read() as session:
        due = await rounds.due_rounds(session, now=desk.clock(), lead=desk.lead)
    ran = 0
    for one in due:
        async with desk.db.unit_of_work() as uow:
            cursor = await rounds.take(uow.session, one, now=desk.clock())
        if cursor is None:
            continue
        ran += 1
        while cursor is not None:
            cursor = await _chunk(desk, one, cursor)
            await asyncio.sleep(0)  # chat and the rest of the node get their turn
    return ran


async def send_due_deliveries(desk: Follows) -> int:
    """Post the webhook deliveries due now that this node claims; how many attempts."""
    async with desk.db.unit_of_work() as uow:
        jobs = await sender.claim_due(uow.session, now=desk.clock())
    outcomes = await asyncio.gather(*(sender.post(desk.client, job, desk.policy) for job in jobs))
    if jobs:
        async with desk.db.unit_of_work() as uow:
            for job, outcome in zip(jobs, outcomes, strict=True):
                await sender.record(uow.session, job, outcome, now=desk.clock(), policy=desk.policy)
    return len(jobs)
