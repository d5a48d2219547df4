"""Password hashing with Argon2id (memory-hard), off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, *, memory_kib: int = 65536) -> None:
        # time_cost 2 with 64 MiB is the RFC 9106 "second choice"; tests lower memory.
        self._hasher = PasswordHasher(time_cost=2, memory_cost=memory_kib, parallelism=1)

    async def hash(self, password: str) -> str:
        # Argon2 takes tens of milliseconds of CPU: keep it away from the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
