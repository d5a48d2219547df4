"""Winners' claims written together: one transaction for the claims the gate let through
while the last one committed.

In a coupon rush the gate answers the losers at once and the winners queue for the
database; each winner's own transaction (find its key, read the drop, count its claims,
take one, insert, commit) made them the bottleneck. :func:`take_many` writes a batch of
one drop's winners with one read of the drop, one count of the buyers' claims, one
conditional update of ``claimed`` by the batch's size and one insert of the rows. The
rules are the single claim's (``claims._take``): ``claimed`` never passes ``quantity``,
and (drop, buyer, ordinal) is unique. Whatever the batch cannot judge alike (a drop for
first-time buyers or followers, a key already written, too few coupons left for the
whole batch) it leaves to the single claim: :class:`Single`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, tuple_, update

from livecommerce.errors import CouponClosed, CouponLimit, DomainError
from livecommerce.promotions import drops
from livecommerce.promotions.desk import Coupons
from livecommerce.promotions.events import CouponClaimed, CouponSoldOut
from livecommerce.promotions.views import ClaimView, DropView
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.models import CouponClaim, CouponDrop, CouponTemplate

Winner = tuple[int, str]  # buyer, key
LIMIT = "you already hold as many of this coupon as one buyer may claim"


class Single(Exception):
    """The batch cannot be written together: each winner is written alone."""


async def take_many(
    coupons: Coupons, uow: UnitOfWork, drop: DropView, winners: Sequence[Winner]
) -> list[ClaimView | DomainError]:
    """Each winner's new claim (or its refusal), all in ``uow``'s transaction."""
    session, now = uow.session, coupons.clock()
    fresh = await drops.load_drop(session, drop.id, now)
    if fresh.template.audience != "everyone":
        raise Single
    if not fresh.open:
        return [CouponClosed("this coupon can no longer be claimed")] * len(winners)
    c = CouponClaim
    known = await session.scalar(
        select(func.count())
        .select_from(c)
        .where(c.drop_id == drop.id, tuple_(c.user_id, c.idempotency_key).in_(list(winners)))
    )
    if known:
        raise Single
    buyers = {buyer for buyer, _ in winners}
    held = dict(
        (
            await session.execute(
                select(c.user_id, func.count())
                .where(c.drop_id == drop.id, c.user_id.in_(buyers))
                .group_by(c.user_id)
            )
        ).all()
    )
    answers: list[CouponClaim | DomainError] = []
    for buyer, key in winners:
        ordinal = int(held.get(buyer, 0)) + 1
        if ordinal > fresh.per_buyer_limit:
            answers.append(CouponLimit(LIMIT))
            continue
        held[buyer] = ordinal
        answers.append(CouponClaim(
            drop_id=drop.id, user_id=buyer, ordinal=ordinal, idempotency_key=key,
            status="available", claimed_at=now, expires_at=fresh.valid_until(now),
        ))  # fmt: skip
    rows = [a for a in answers if isinstance(a, CouponClaim)]
    if not rows:
        return [a for a in answers if isinstance(a, DomainError)]
    d = CouponDrop
    taken = await session.execute(
        update(d)
        .where(d.id == drop.id, d.quantity.is_(None) | (d.claimed + len(rows) <= d.quantity))
        .values(claimed=d.claimed + len(rows))
        .returning(d.claimed, d.quantity)
        .execution_options(synchronize_session=False)
    )
    level = taken.first()
    if level is None:  # fewer left than the batch: the single claims take what is left
        raise Single
    session.add_all(rows)
    await session.flush()
    _announce(coupons, uow, drop, rows, int(level[0]), level[1])
    template_row = await session.get(CouponTemplate, fresh.template.id)
    assert template_row is not None
    return [ClaimView.of(a, template_row) if isinstance(a, CouponClaim) else a for a in answers]


def _announce(
    coupons: Coupons, uow: UnitOfWork, drop: DropView, rows: list[CouponClaim],
    claimed: int, quantity: int | None,
) -> None:  # fmt: skip
    """Each winner's private event, the sold-out event, the drop's new level."""
    for row in rows:
        event = CouponClaimed(
            claim_id=row.id, drop_id=drop.id, expires_at=row.expires_at.isoformat()
        )
        uow.emit_to(drop.room_id, row.user_id, event)
    if quantity is not None and claimed >= quantity:
        uow.emit(drop.room_id, CouponSoldOut(drop_id=drop.id))

    async def announce() -> None:
        coupons.news.record(drop.room_id, drop.id, claimed=claimed, quantity=quantity)

    uow.after_commit(announce)
