"""The double-entry ledger: accounts, transfers whose postings sum to zero, balances.

Accounts are named by a code: ``wallet:<user>`` (a viewer's spendable money),
``host_payable:<user>`` (gifts a host received that are still in their settlement
delay, reversible), ``host_available:<user>`` (settled, the host's to withdraw),
``platform:fee`` (the platform's share) and ``platform:funding`` (the other side of
every top-up: money that came in through the payment provider; it goes negative).

Only wallets keep a stored balance (``wallet.balance_cents``) beside their postings,
because only a wallet must never go below zero: the debit is one conditional UPDATE.
Every other balance is a sum of postings, so no row is shared by every send of a room
(a host's payable account is written by inserts only, never updated).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import InsufficientBalance
from livecommerce.storage.gift_models import LedgerAccount, LedgerPosting, LedgerTransfer, Wallet

WALLET, HOST_PAYABLE, HOST_AVAILABLE = "wallet", "host_payable", "host_available"
PLATFORM_FEE, PLATFORM_FUNDING = "platform:fee", "platform:funding"

Known = dict[str, int]
"""Account ids by code: they never change once made, so each app remembers them."""


def code_of(kind: str, user_id: int) -> str:
    return f"{kind}:{user_id}"


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def account_id(
    session: AsyncSession, known: Known, code: str, *, user_id: int | None = None
) -> int:
    """The id of the account ``code``, made if it does not exist (safe under races).

    Only an account found already there is remembered: one this transaction made may
    still roll back (a send losing its key's race), and a remembered id of a row that
    never committed would break every later send to that account."""
    if code in known:
        return known[code]
    kind = code.split(":", 1)[0]
    statement = (
        _insert(session)(LedgerAccount)
        .values(code=code, kind=kind, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(LedgerAccount.id)
    )
    made = await session.scalar(statement)
    if made is not None:
        return int(made)
    found = await session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))
    assert found is not None
    known[code] = found
    return found


async def wallet_account(session: AsyncSession, known: Known, user_id: int) -> int:
    """The wallet's ledger account id, making the wallet on first use."""
    acc = await account_id(session, known, code_of(WALLET, user_id), user_id=user_id)
    await session.execute(
        _insert(session)(Wallet)
        .values(user_id=user_id, account_id=acc, balance_cents=0)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    return acc


async def debit_wallet(session: AsyncSession, user_id: int, amount: int) -> int:
    """Take ``amount`` from the wallet, or refuse; the wallet's account id.

    The conditional UPDATE holds the wallet row until the commit, so the sends of one
    wallet are serialised there and checks that follow it see the previous send."""
    row = (
        await session.execute(
            update(Wallet)
            .where(Wallet.user_id == user_id, Wallet.balance_cents >= amount)
            .values(balance_cents=Wallet.balance_cents - amount)
            .returning(Wallet.account_id)
        )
    ).first()
    if row is None:
        raise InsufficientBalance("the wallet holds less than this gift costs; top it up first")
    return int(row[0])


async def credit_wallet(session: AsyncSession, known: Known, user_id: int, amount: int) -> int:
    acc = await wallet_account(session, known, user_id)
    await session.execute(
        update(Wallet)
        .where(Wallet.user_id == user_id)
        .values(balance_cents=Wallet.balance_cents + amount)
    )
    return acc


async def post(
    session: AsyncSession, *, kind: str, reference: str, postings: Mapping[int, int]
) -> int:
    """Write one transfer: ``postings`` maps account id to signed cents, summing to zero.

    Zero amounts are left out. Raises ``ValueError`` (failing the transaction) when the
    postings do not balance: money is never made or lost by a bug here."""
    lines = {acc: cents for acc, cents in postings.items() if cents}
    if sum(lines.values()) != 0 or not lines:
        raise ValueError(f"transfer {reference}: postings {lines} do not sum to zero")
    transfer = LedgerTransfer(kind=kind, reference=reference)
    session.add(transfer)
    await session.flush()
    session.add_all(
        LedgerPosting(transfer_id=transfer.id, account_id=acc, amount_cents=cents)
        for acc, cents in lines.items()
    )
    return transfer.id


async def balance(session: AsyncSession, code: str) -> int:
    """An account's balance: the sum of its postings (0 for an account not yet made)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerPosting.amount_cents), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.code == code)
    )
    return int(total or 0)


async def wallet_balance(session: AsyncSession, user_id: int) -> int:
    """The stored spendable balance (equal to the wallet account's postings)."""
    stored = await session.scalar(select(Wallet.balance_cents).where(Wallet.user_id == user_id))
    return int(stored or 0)
