"""Closing a draw, claiming a prize, and passing an unclaimed prize on.

At the close the entrants are those who met the condition *and* were present in the
room at the close, minus the room's own people (host, merchant, moderators), anyone
banned or muted there now, and (if asked) this merchant's winners of the last N days.
Winners are ``min(winners, entrants)``: fewer entrants than prizes means every entrant
wins and the spare units go back to the stock (no entrant: no winner). The close is
claimed with ``UPDATE draw ... WHERE status = 'open'``, so one node closes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from livecommerce.draws import events, fairness
from livecommerce.draws.entries import Gathered
from livecommerce.draws.lifecycle import Condition, DrawStatus, PickStatus
from livecommerce.draws.views import PickView, entrant_list, prize_of, proof_url
from livecommerce.orders import prize as prize_orders
from livecommerce.rooms.service import load_room
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import Draw, DrawWinner, RoomBan, RoomModerator, User

CLAIM_HOURS = 48


async def _excluded(uow: UnitOfWork, draw: Draw, now: datetime) -> set[int]:
    session = uow.session
    room = await load_room(session, draw.room_id)
    out = {room.host_id, room.merchant_id}
    out.update(
        await session.scalars(
            select(RoomModerator.user_id).where(RoomModerator.room_id == draw.room_id)
        )
    )
    out.update(
        await session.scalars(
            select(RoomBan.user_id).where(
                RoomBan.room_id == draw.room_id, or_(RoomBan.until.is_(None), RoomBan.until > now)
            )
        )
    )
    if draw.exclude_recent_days:
        since = now - timedelta(days=draw.exclude_recent_days)
        out.update(
            await session.scalars(
                select(DrawWinner.user_id)
                .join(Draw, Draw.id == DrawWinner.draw_id)
                .where(
                    Draw.merchant_id == draw.merchant_id,
                    DrawWinner.won_at >= since,
                    DrawWinner.status != PickStatus.FORFEITED,
                )
            )
        )
    return out


async def _qualified(uow: UnitOfWork, draw: Draw, gathered: Gathered) -> set[int]:
    if draw.condition == Condition.KEYWORD:
        return gathered.keyword
    if draw.condition == Condition.WATCH:
        return {u for u, seconds in gathered.watched.items() if seconds >= draw.watch_seconds}
    room = await load_room(uow.session, draw.room_id)
    since = room.started_at or draw.created_at
    return await prize_orders.buyers_in_room(uow, room_id=draw.room_id, since=since)


async def entrants_of(uow: UnitOfWork, draw: Draw, gathered: Gathered, now: datetime) -> list[int]:
    qualified = await _qualified(uow, draw, gathered)
    excluded = await _excluded(uow, draw, now)
    return fairness.canonical_entrants((qualified & gathered.present) - excluded)


async def close_draw(
    uow: UnitOfWork, *, draw_id: int, gathered: Gathered, now: datetime
) -> list[PickView] | None:
    """Close the draw and pick its winners; None if it was not open (closed elsewhere)."""
    draw = await uow.session.get(Draw, draw_id)
    if draw is None or draw.status != DrawStatus.OPEN:
        return None
    entrants = await entrants_of(uow, draw, gathered, now)
    listed = fairness.entrants_hash(entrants)
    claimed = await uow.session.execute(
        update(Draw)
        .where(Draw.id == draw_id, Draw.status == DrawStatus.OPEN)
        .values(
            status=DrawStatus.CLOSED,
            closed_at=now,
            entrants="\n".join(map(str, entrants)),
            entrants_hash=listed,
            entrant_count=len(entrants),
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    await uow.session.refresh(draw)
    seed = bytes.fromhex(draw.seed_hex)
    picks = fairness.pick(seed, entrants, draw.winners_wanted)
    views = await _award(uow, draw, picks, start=0, now=now, take_unit=False)
    spare = draw.winners_wanted - len(picks)
    if spare and draw.product_id is not None:
        await prize_orders.release_units(uow, product_id=draw.product_id, units=spare)
    uow.emit(
        draw.room_id,
        events.DrawClosed(
            id=draw.id,
            entrant_count=len(entrants),
            entrants_hash=listed,
            seed=draw.seed_hex,
            picks=[v.event() for v in views],
            proof_url=proof_url(draw.id),
        ),
    )
    return views


async def _award(
    uow: UnitOfWork,
    draw: Draw,
    picks: Iterable[tuple[str, int]],
    *,
    start: int,
    now: datetime,
    take_unit: bool,
) -> list[PickView]:
    """Write the picks (positions from ``start``), their prize orders, their notices."""
    picks = list(picks)
    found = await uow.session.execute(
        select(User.id, User.handle).where(User.id.in_([u for _, u in picks]))
    )
    handles = {user_id: handle for user_id, handle in found}
    claim_by = now + timedelta(hours=CLAIM_HOURS)
    views = []
    for offset, (ticket, user_id) in enumerate(picks):
        order_id = None
        if draw.product_id is not None:
            order_id = await prize_orders.place_prize_order(
                uow,
                buyer_id=user_id,
                room_id=draw.room_id,
                product_id=draw.product_id,
                key=f"draw:{draw.id}:{user_id}",
                claim_by=claim_by,
                take_unit=take_unit,
            )
        row = DrawWinner(
            draw_id=draw.id,
            user_id=user_id,
            position=start + offset,
            ticket=ticket,
            status=PickStatus.WON,
            order_id=order_id,
            won_at=now,
            claim_by=claim_by,
        )
        uow.session.add(row)
        await uow.session.flush()
        view = PickView.of(row, handles.get(user_id, ""))
        views.append(view)
        uow.emit_to(
            draw.room_id,
            user_id,
            events.DrawWon(
                id=draw.id,
                prize=prize_of(draw),
                order_id=order_id,
                claim_by=claim_by.isoformat(),
                proof_url=proof_url(draw.id),
            ),
        )
    return views


async def pass_on(uow: UnitOfWork, *, pick_id: int, now: datetime) -> bool:
    """An unclaimed pick past ``claim_by``: forfeit it and award the next entrant of the
    ranking. A pick whose order was settled meanwhile is marked claimed instead."""
    pick = await uow.session.get(DrawWinner, pick_id)
    if pick is None or pick.status != PickStatus.WON or pick.claim_by > now:
        return False
    if pick.order_id is not None and await prize_orders.is_settled(uow, order_id=pick.order_id):
        return await _mark(uow, pick, PickStatus.CLAIMED, now)
    if not await _mark(uow, pick, PickStatus.FORFEITED, now):
        return False
    if pick.order_id is not None:
        await prize_orders.void_prize_order(uow, order_id=pick.order_id)
    draw = await uow.session.get(Draw, pick.draw_id)
    assert draw is not None
    taken = await uow.session.scalar(
        select(func.count()).select_from(DrawWinner).where(DrawWinner.draw_id == draw.id)
    )
    ranking = fairness.ranking(bytes.fromhex(draw.seed_hex), entrant_list(draw))
    following = ranking[taken or 0 : (taken or 0) + 1]
    views = await _award(uow, draw, following, start=taken or 0, now=now, take_unit=True)
    forfeited = await uow.session.scalar(select(User.handle).where(User.id == pick.user_id))
    for view in views:
        uow.emit(
            draw.room_id,
            events.DrawRedrawn(
                id=draw.id,
                forfeited={"id": pick.user_id, "handle": forfeited or ""},
                pick=view.event(),
                proof_url=proof_url(draw.id),
            ),
        )
    return True


async def _mark(uow: UnitOfWork, pick: DrawWinner, target: PickStatus, now: datetime) -> bool:
    values: dict[str, object] = {"status": target}
    if target == PickStatus.CLAIMED:
        values["claimed_at"] = now
    result = await uow.session.execute(
        update(DrawWinner)
        .where(DrawWinner.id == pick.id, DrawWinner.status == PickStatus.WON)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def due_picks(uow: UnitOfWork, *, now: datetime, limit: int = 100) -> list[int]:
    rows = await uow.session.scalars(
        select(DrawWinner.id)
        .where(DrawWinner.status == PickStatus.WON, DrawWinner.claim_by <= now)
        .limit(limit)
    )
    return list(rows)
