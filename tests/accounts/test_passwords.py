from __future__ import annotations

from livecommerce.accounts.passwords import Passwords


async def test_hash_verifies_only_the_right_password() -> None:
    """An Argon2id hash verifies its password and nothing else."""
    passwords = Passwords(memory_kib=1024)
    hashed = await passwords.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert await passwords.verify(hashed, "correct horse")
    assert not await passwords.verify(hashed, "wrong horse")


async def test_corrupt_hash_is_a_mismatch() -> None:
    """A corrupt stored hash fails verification instead of raising."""
    assert not await Passwords(memory_kib=1024).verify("not-a-hash", "x")
