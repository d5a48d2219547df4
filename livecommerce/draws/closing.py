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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from livecommerce.draws import conditions, events, fairness
from livecommerce.draws.entries import Gathered
from livecommerce.draws.lifecycle import DrawStatus, PickStatus
from livecommerce.draws.views import PickView, entrant_list, prize_of, proof_url
from livecommerce.orders import prize as prize_orders
from livecommerce.promotions import grants
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


async def entrants_of(uow: UnitOfWork, draw: Draw, gathered: Gathered, now: datetime) -> list[int]:
    qualified = await conditions.qualified(uow, draw, gathered)
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


@dataclass(frozen=True, slots=True)
class _Given:
    """One winner's prize: a zero-price order to claim, or a coupon given outright."""

    order_id: int | None = None
    coupon: events.DrawCoupon | None = None


async def _give(
    uow: UnitOfWork, draw: Draw, user_id: int, *, claim_by: datetime, now: datetime,
    take_unit: bool,
) -> _Given:  # fmt: skip
    key = f"draw:{draw.id}:{user_id}"  # a retried close finds what it gave
    if draw.coupon_drop_id is not None:
        claim = await grants.grant(
            uow, drop_id=draw.coupon_drop_id, buyer_id=user_id, key=key, now=now
        )
        assert draw.coupon_template_id is not None
        coupon = events.DrawCoupon(
            claim_id=claim.id, template_id=draw.coupon_template_id, title=draw.prize_title,
            expires_at=claim.expires_at.isoformat(),
        )  # fmt: skip
        return _Given(coupon=coupon)
    if draw.product_id is None:
        return _Given()
    order_id = await prize_orders.place_prize_order(
        uow, buyer_id=user_id, room_id=draw.room_id, product_id=draw.product_id, key=key,
        claim_by=claim_by, take_unit=take_unit,
    )  # fmt: skip
    return _Given(order_id=order_id)


async def _award(
    uow: UnitOfWork,
    draw: Draw,
    picks: Iterable[tuple[str, int]],
    *,
    start: int,
    now: datetime,
    take_unit: bool,
) -> list[PickView]:
    """Write the picks (positions from ``start``), their prizes, their notices. A coupon
    pick is claimed at once: there is nothing to claim, so nothing to pass on."""
    picks = list(picks)
    found = await uow.session.execute(
        select(User.id, User.handle).where(User.id.in_([u for _, u in picks]))
    )
    handles = {user_id: handle for user_id, handle in found}
    claim_by = now + timedelta(hours=CLAIM_HOURS)
    views = []
    for offset, (ticket, user_id) in enumerate(picks):
        given = await _give(uow, draw, user_id, claim_by=claim_by, now=now, take_unit=take_unit)
        coupon = given.coupon
        row = DrawWinner(
            draw_id=draw.id, user_id=user_id, position=start + offset, ticket=ticket,
            status=PickStatus.CLAIMED if coupon else PickStatus.WON, order_id=given.order_id,
            coupon_claim_id=coupon["claim_id"] if coupon else None, won_at=now,
            claim_by=now if coupon else claim_by, claimed_at=now if coupon else None,
        )  # fmt: skip
        uow.session.add(row)
        await uow.session.flush()
        views.append(PickView.of(row, handles.get(user_id, "")))
        uow.emit_to(
            draw.room_id, user_id,
            events.DrawWon(
                id=draw.id, prize=prize_of(draw), order_id=given.order_id, coupon=coupon,
                claim_by=None if coupon else claim_by.isoformat(), proof_url=proof_url(draw.id),
            ),
        )  # fmt: skip
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
    taken = taken or 0
    # The next in the published order: the first ``taken`` were picked before.
    following = fairness.pick(bytes.fromhex(draw.seed_hex), entrant_list(draw), taken + 1)[taken:]
    views = await _award(uow, draw, following, start=taken, now=now, take_unit=True)
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
