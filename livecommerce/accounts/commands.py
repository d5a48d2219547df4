"""Use cases of accounts (sign-up, the address book): each write in its own unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts import addresses, service
from livecommerce.accounts.addresses import AddressView
from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.service import UserView
from livecommerce.errors import Conflict
from livecommerce.storage.db import Database


async def sign_up(
    db: Database, *, passwords: Passwords, handle: str, password: str, display_name: str,
    role: str,
) -> UserView:  # fmt: skip
    async with db.unit_of_work() as uow:
        return await service.signup(
            uow.session, passwords=passwords, handle=handle, password=password,
            display_name=display_name, role=role,
        )  # fmt: skip


@asynccontextmanager
async def _address_book(db: Database) -> AsyncIterator[AsyncSession]:
    """A unit of work on one buyer's addresses. Two writes racing for the default (two
    tabs adding a first address) meet the one-default index: the loser is a conflict."""
    try:
        async with db.unit_of_work() as uow:
            yield uow.session
    except IntegrityError:
        raise Conflict("the address book changed meanwhile; reload it") from None


async def add_address(
    db: Database, *, user_id: int, fields: dict[str, str], make_default: bool = False
) -> AddressView:
    async with _address_book(db) as session:
        return await addresses.create(
            session, user_id=user_id, fields=fields, make_default=make_default
        )


async def change_address(
    db: Database, *, user_id: int, address_id: int, fields: dict[str, str]
) -> AddressView:
    async with _address_book(db) as session:
        return await addresses.change(
            session, user_id=user_id, address_id=address_id, fields=fields
        )


async def set_default_address(db: Database, *, user_id: int, address_id: int) -> AddressView:
    async with _address_book(db) as session:
        return await addresses.set_default(session, user_id=user_id, address_id=address_id)


async def delete_address(db: Database, *, user_id: int, address_id: int) -> None:
    async with _address_book(db) as session:
        await addresses.remove(session, user_id=user_id, address_id=address_id)
