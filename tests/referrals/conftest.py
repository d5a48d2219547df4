"""The order tests' world (users, a live room with one shelf product), with the
commission listener installed, a signer, and helpers to share and arrive."""

from __future__ import annotations

import pytest

from livecommerce.referrals import commands, ledger
from livecommerce.referrals.codes import ReferralSigner
from livecommerce.referrals.lifecycle import TargetKind
from livecommerce.referrals.rules import Rules
from tests.orders.conftest import World, world

SIGNER = ReferralSigner("test-secret-key")
__all__ = ["world"]


@pytest.fixture(autouse=True)
def commissions_follow_orders() -> None:
    """What the app does at start: the ledger hears every order transition."""
    ledger.install()


async def link(w: World, promoter: int) -> str:
    view = await commands.share_link(
        w.db, SIGNER, user_id=promoter, kind=TargetKind.ROOM, target_id=w.room_id, now=w.clock()
    )
    return view.code


async def arrive(w: World, code: str, visitor: int | None) -> None:
    await commands.arrive(w.db, SIGNER, code=code, visitor_id=visitor, now=w.clock())


async def shop_rate(w: World, rate_bp: int = 1000, **rules: object) -> None:
    shop = Rules(rate_bp=rate_bp, **rules)  # type: ignore[arg-type]
    await commands.update_rules(w.db, merchant_id=w.merchant_id, rules=shop)
