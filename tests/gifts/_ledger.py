"""Reading the ledger back from its rows, for the invariants the tests check."""

from __future__ import annotations

from sqlalchemy import func, select

from livecommerce.resources import Resources
from livecommerce.storage.gift_models import LedgerAccount, LedgerPosting, Wallet


async def transfer_sums(resources: Resources) -> list[int]:
    """Each transfer's sum of postings (every one must be zero)."""
    async with resources.db.read() as session:
        rows = await session.execute(
            select(func.sum(LedgerPosting.amount_cents)).group_by(LedgerPosting.transfer_id)
        )
        return [int(total) for (total,) in rows]


async def recomputed(resources: Resources) -> dict[str, int]:
    """Every account's balance recomputed from its postings, by code."""
    async with resources.db.read() as session:
        rows = await session.execute(
            select(LedgerAccount.code, func.coalesce(func.sum(LedgerPosting.amount_cents), 0))
            .outerjoin(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
            .group_by(LedgerAccount.code)
        )
        return {code: int(total) for code, total in rows}


async def stored_wallets(resources: Resources) -> dict[int, int]:
    async with resources.db.read() as session:
        rows = await session.execute(select(Wallet.user_id, Wallet.balance_cents))
        return {int(user): int(cents) for user, cents in rows}


async def check_books(resources: Resources) -> dict[str, int]:
    """Transfers sum to zero, the whole ledger sums to zero, stored wallet balances equal
    their postings; the recomputed balances, for more checks."""
    assert all(total == 0 for total in await transfer_sums(resources))
    balances = await recomputed(resources)
    assert sum(balances.values()) == 0
    for user, cents in (await stored_wallets(resources)).items():
        assert balances[f"wallet:{user}"] == cents >= 0
    return balances
