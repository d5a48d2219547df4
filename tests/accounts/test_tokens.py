from __future__ import annotations

import pytest

from livecommerce.accounts.tokens import Principal, TokenSigner
from livecommerce.errors import NotAuthenticated

ALICE = Principal(7, "alice", "merchant")


def test_round_trip() -> None:
    """A token issued for a principal verifies back to the same principal."""
    signer = TokenSigner("k", ttl_seconds=60)
    assert signer.verify(signer.issue(ALICE)) == ALICE


def test_expired_token_is_refused() -> None:
    """A token past its expiry is refused."""
    signer = TokenSigner("k", ttl_seconds=60)
    token = signer.issue(ALICE, now=1000)
    with pytest.raises(NotAuthenticated, match="expired"):
        signer.verify(token, now=1061)


@pytest.mark.parametrize("token", ["", "x", "a.b", ".", "eyJ1aWQiOjF9.", "....."])
def test_garbage_is_refused(token: str) -> None:
    """Malformed tokens are refused with NotAuthenticated, never another exception."""
    with pytest.raises(NotAuthenticated):
        TokenSigner("k", ttl_seconds=60).verify(token)


def test_forged_payload_is_refused() -> None:
    """Changing the payload (say, the role) breaks the signature."""
    signer = TokenSigner("k", ttl_seconds=60)
    other = signer.issue(Principal(7, "alice", "admin"))
    token = signer.issue(ALICE)
    forged = other.split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(NotAuthenticated):
        signer.verify(forged)


def test_other_key_or_purpose_is_refused() -> None:
    """Tokens do not cross secret keys or purposes (a CSRF token is not a login)."""
    token = TokenSigner("k", ttl_seconds=60).issue(ALICE)
    with pytest.raises(NotAuthenticated):
        TokenSigner("other", ttl_seconds=60).verify(token)
    with pytest.raises(NotAuthenticated):
        TokenSigner("k", ttl_seconds=60, purpose="csrf").verify(token)
