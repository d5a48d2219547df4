"""Codes, clicks and first-touch bindings (both shapes); refusals change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livecommerce.errors import (
    BadReferralCode,
    PromoterNotApproved,
    ReferralCodeExpired,
    SelfReferral,
)
from livecommerce.referrals import commands
from livecommerce.referrals.codes import LIFETIME, ReferralSigner
from livecommerce.storage.referral_models import ReferralBinding, ShareClick
from tests.orders.conftest import World
from tests.referrals.conftest import SIGNER, arrive, link, shop_rate


async def count(w: World, model: type) -> int:
    async with w.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def referrer_of(w: World, buyer: int) -> int | None:
    async with w.db.read() as session:
        return await session.scalar(
            select(ReferralBinding.referrer_id).where(ReferralBinding.buyer_id == buyer)
        )


async def test_first_touch_holds_for_the_window(world: World) -> None:
    """A second promoter's link inside the 3-day window changes nothing; after it, it
    takes over. Every visit is a click row."""
    first, second, buyer = world.buyer_ids[:3]
    await shop_rate(world, 1000, window_days=3)
    await arrive(world, await link(world, first), buyer)
    world.clock.advance(days=2)
    await arrive(world, await link(world, second), buyer)
    assert await referrer_of(world, buyer) == first
    world.clock.advance(days=1)
    await arrive(world, await link(world, second), buyer)
    assert await referrer_of(world, buyer) == second
    assert await count(world, ShareClick) == 3


async def test_bad_codes_and_own_visits_write_nothing(world: World) -> None:
    """Forged, tampered, expired and own codes raise their errors; no click, no binding."""
    promoter, buyer = world.buyer_ids[:2]
    code = await link(world, promoter)
    forged = ReferralSigner("another-secret").issue(SIGNER.read(code, now=world.clock()))
    body, _, sig = code.partition(".")
    for bad in (forged, body + "x." + sig, "nonsense", "é"):
        with pytest.raises(BadReferralCode) as caught:
            await arrive(world, bad, buyer)
        assert caught.value.code == "invalid_referral_code"
    with pytest.raises(SelfReferral):
        await arrive(world, code, promoter)
    world.clock.advance(seconds=LIFETIME.total_seconds())
    with pytest.raises(ReferralCodeExpired):
        await arrive(world, code, buyer)
    assert (await count(world, ShareClick), await count(world, ReferralBinding)) == (0, 0)


async def test_approval_required_refuses_links_until_approved(world: World) -> None:
    """With approval on, an unapproved user gets promoter_not_approved and no link row;
    once approved the link is issued, and the same one again later."""
    promoter = world.buyer_ids[0]
    await shop_rate(world, 1000, requires_approval=True)
    with pytest.raises(PromoterNotApproved):
        await link(world, promoter)
    assert (
        await commands.apply(
            world.db, user_id=promoter, merchant_id=world.merchant_id, now=world.clock()
        )
        == "applied"
    )
    with pytest.raises(PromoterNotApproved):
        await link(world, promoter)
    await commands.decide(world.db, merchant_id=world.merchant_id, user_id=promoter,
                          approve=True, now=world.clock())  # fmt: skip
    code = await link(world, promoter)
    world.clock.advance(minutes=1)
    assert await link(world, promoter) == code
    world.clock.advance(days=LIFETIME.days // 2 + 1)
    assert await link(world, promoter) != code


async def test_anonymous_visit_counts_without_binding(world: World) -> None:
    """A visitor who is not signed in leaves a click and no binding."""
    await arrive(world, await link(world, world.buyer_ids[0]), None)
    assert (await count(world, ShareClick), await count(world, ReferralBinding)) == (1, 0)
