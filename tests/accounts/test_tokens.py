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


def test_claims_name_the_token_and_the_generation() -> None:
    """Each token has its own id and carries the generation it was issued at."""
    signer = TokenSigner("k", ttl_seconds=60)
    first = signer.read(signer.issue(ALICE, generation=3, now=1000), now=1000)
    second = signer.read(signer.issue(ALICE, generation=3, now=1000), now=1000)
    assert (first.principal, first.generation, first.expires) == (ALICE, 3, 1060)
    assert first.token_id and first.token_id != second.token_id


def test_tokens_from_before_revocation_still_read() -> None:
    """A token without an id or generation (issued by an older node) reads as generation 0."""
    import base64
    import json

    signer = TokenSigner("k", ttl_seconds=60)
    payload = {"uid": 7, "h": "alice", "r": "merchant", "exp": 2000}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    claims = signer.read(f"{body}.{signer._sign(body)}", now=1000)
    assert (claims.principal, claims.token_id, claims.generation) == (ALICE, "", 0)


@pytest.mark.parametrize("tail", ["ö", "sïg€", "\udcff"])
def test_non_ascii_token_is_refused(tail: str) -> None:
    """A token with non-ASCII text (a header read as latin-1) is refused, not a crash."""
    signer = TokenSigner("k", ttl_seconds=60)
    body = signer.issue(ALICE).partition(".")[0]
    with pytest.raises(NotAuthenticated):
        signer.verify(f"{body}.{tail}")
