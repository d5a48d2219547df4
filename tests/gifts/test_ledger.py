"""The ledger's accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livecommerce.gifts import ledger
from livecommerce.storage.gift_models import LedgerAccount
from tests.gifts.conftest import Shop
from tests.users import signup


class _RolledBack(Exception):
    pass


async def test_an_account_made_in_a_rolled_back_transaction_is_not_remembered(
    shop: Shop,
) -> None:
    """A send that made the host's account and then lost (rolled back) leaves no id
    behind: the next transaction makes the account again and its id exists."""
    host = await signup(shop.client, "newhost", "host")  # no account of theirs yet
    db, known = shop.resources.db, ledger.Known()
    code = ledger.code_of(ledger.HOST_PAYABLE, host.id)
    with pytest.raises(_RolledBack):
        async with db.unit_of_work() as uow:
            await ledger.account_id(uow.session, known, code, user_id=host.id)
            raise _RolledBack
    async with db.unit_of_work() as uow:
        made = await ledger.account_id(uow.session, known, code, user_id=host.id)
    async with db.unit_of_work() as uow:
        again = await ledger.account_id(uow.session, known, code, user_id=host.id)
    async with db.read() as session:
        stored = await session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))
    assert made == again == stored
    assert known[code] == stored
