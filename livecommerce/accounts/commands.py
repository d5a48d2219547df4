"""Use cases of accounts: each write in its own unit of work."""

from __future__ import annotations

from livecommerce.accounts import service
from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.service import UserView
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
