"""Users: sign up, log in, look up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.tokens import Principal
from livecommerce.errors import AlreadyExists, BadCredentials, InvalidInput, NotFound
from livecommerce.storage.models import User

HANDLE = re.compile(r"^[a-z0-9_]{3,32}$")
SIGNUP_ROLES = ("merchant", "host", "viewer")
"""Admins are made from the command line, never by signing up."""
MIN_PASSWORD, MAX_PASSWORD = 8, 128


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    handle: str
    display_name: str
    role: str
    token_generation: int = 0

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(user.id, user.handle, user.display_name, user.role, user.token_generation)

    def principal(self) -> Principal:
        return Principal(self.id, self.handle, self.role)


def _check_text(**values: str) -> None:
    """The database refuses a NUL in text (PostgreSQL does): refuse it before a query."""
    for name, value in values.items():
        if "\x00" in value:
            raise InvalidInput(f"{name} must not contain NUL characters")


def _check_signup(handle: str, password: str, display_name: str, role: str) -> None:
    if not HANDLE.match(handle):
        raise InvalidInput("handle must be 3-32 characters: lowercase letters, digits, _")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    if not display_name.strip() or len(display_name) > 80:
        raise InvalidInput("display_name must be 1-80 characters")
    if role not in SIGNUP_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(SIGNUP_ROLES)}")


async def signup(
    session: AsyncSession,
    *,
    passwords: Passwords,
    handle: str,
    password: str,
    display_name: str,
    role: str,
    allow_admin: bool = False,
) -> UserView:
    handle = handle.strip().lower()
    _check_text(handle=handle, display_name=display_name)
    if not (allow_admin and role == "admin"):
        _check_signup(handle, password, display_name, role)
    taken = await session.scalar(select(func.count()).where(User.handle == handle))
    if taken:
        raise AlreadyExists(f"handle {handle!r} is taken")
    user = User(
        handle=handle,
        display_name=display_name.strip(),
        password_hash=await passwords.hash(password),
        role=role,
    )
    session.add(user)
    await session.flush()
    return UserView.of(user)


async def authenticate(
    session: AsyncSession, *, passwords: Passwords, handle: str, password: str
) -> UserView:
    _check_text(handle=handle)
    user = await session.scalar(select(User).where(User.handle == handle.strip().lower()))
    if user is None or not await passwords.verify(user.password_hash, password):
        # One message for both cases, so the API does not tell which handles exist.
        raise BadCredentials("wrong handle or password")
    return UserView.of(user)


async def get_user(session: AsyncSession, user_id: int) -> UserView:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return UserView.of(user)


async def find_by_handle(session: AsyncSession, handle: str) -> UserView:
    _check_text(handle=handle)
    user = await session.scalar(select(User).where(User.handle == handle.strip().lower()))
    if user is None:
        raise NotFound(f"user {handle!r} not found")
    return UserView.of(user)
