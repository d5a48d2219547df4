"""A viewer's wallet: topped up through a payment provider, spent on gifts.

Gifts are paid from the wallet, not one payment per gift: a send is then one database
transaction with no provider round trip on the room's hot path, and a provider fee is
paid once per top-up instead of once per heart. This build tops up through the sandbox
provider (``LIVECOMMERCE_PAYMENTS_SANDBOX``, which takes no money); a real provider
would confirm top-ups by signed webhook, as it does orders (livecommerce.orders.payment).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import InvalidInput, MinorCannotGift, NotFound, Unavailable
from livecommerce.gifts import ledger
from livecommerce.gifts.runtime import GiftRuntime
from livecommerce.gifts.sending import spent
from livecommerce.gifts.views import WalletView
from livecommerce.orders.payment import Charge
from livecommerce.storage.db import UnitOfWork
from livecommerce.storage.gift_models import LedgerPosting, LedgerTransfer
from livecommerce.storage.models import User


class TopUpProvider(Protocol):
    name: str

    async def charge(self, *, reference: str, amount_cents: int) -> Charge: ...


class SandboxTopUp:
    """Confirms every top-up at once and takes no money."""

    name = "sandbox"

    async def charge(self, *, reference: str, amount_cents: int) -> Charge:
        return Charge(f"sbx_top_{secrets.token_hex(6)}", confirmed=True)


@dataclass(frozen=True, slots=True)
class TopUp:
    reference: str
    amount_cents: int
    replayed: bool

    def as_dict(self) -> dict[str, object]:
        return {"reference": self.reference, "amount_cents": self.amount_cents}


def top_up_reference(user_id: int, key: str) -> str:
    return f"top_up:{user_id}:{key}"


def provider_for(gifts: GiftRuntime) -> TopUpProvider:
    if not gifts.sandbox_top_up:
        raise Unavailable("no top-up provider is configured on this server", retry_after=3600)
    return SandboxTopUp()


async def check_top_up(session: AsyncSession, gifts: GiftRuntime, *, user_id: int,
                       amount_cents: int) -> None:  # fmt: skip
    if not 0 < amount_cents <= gifts.policy.max_top_up:
        raise InvalidInput(f"amount_cents: 1 to {gifts.policy.max_top_up}")
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    if user.is_minor:
        raise MinorCannotGift("accounts of minors cannot top up a wallet")


async def earlier_top_up(session: AsyncSession, user_id: int, key: str) -> TopUp | None:
    reference = top_up_reference(user_id, key)
    found = await session.scalar(
        select(LedgerTransfer.id).where(LedgerTransfer.reference == reference)
    )
    if found is None:
        return None
    amount = await session.scalar(
        select(func.sum(LedgerPosting.amount_cents)).where(
            LedgerPosting.transfer_id == found, LedgerPosting.amount_cents > 0
        )
    )
    return TopUp(reference, int(amount or 0), replayed=True)


async def credit_top_up(gifts: GiftRuntime, uow: UnitOfWork, *, user_id: int, key: str,
                        amount_cents: int) -> TopUp:  # fmt: skip
    """Book a confirmed top-up: the funding account pays the wallet."""
    session = uow.session
    funding = await ledger.account_id(session, gifts.accounts, ledger.PLATFORM_FUNDING)
    wallet = await ledger.credit_wallet(session, gifts.accounts, user_id, amount_cents)
    reference = top_up_reference(user_id, key)
    await ledger.post(session, kind="top_up", reference=reference,
                      postings={funding: -amount_cents, wallet: amount_cents})  # fmt: skip
    return TopUp(reference, amount_cents, replayed=False)


async def wallet_view(session: AsyncSession, gifts: GiftRuntime, user_id: int) -> WalletView:
    today, this_month = await spent(session, user_id, gifts.clock())
    policy = gifts.policy
    return WalletView(
        balance_cents=await ledger.wallet_balance(session, user_id),
        spent_today_cents=today, spent_month_cents=this_month,
        max_per_send_cents=policy.max_per_send, max_per_day_cents=policy.max_per_day,
        max_per_month_cents=policy.max_per_month,
    )  # fmt: skip
