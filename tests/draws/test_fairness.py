"""Tests for livecommerce.draws.fairness: the published rule and the verifier."""

from __future__ import annotations

import hashlib
from typing import Any

from livecommerce.draws import fairness

SEED = bytes(range(32))


def _proof(entrants: list[int], wanted: int, seed: bytes = SEED) -> dict[str, Any]:
    listed = fairness.canonical_entrants(entrants)
    picks = fairness.pick(seed, listed, wanted)
    return {
        "commit": fairness.commit_of(seed), "seed": seed.hex(), "entrants": listed,
        "entrants_hash": fairness.entrants_hash(listed), "winners_wanted": wanted,
        "winners": [{"user_id": u, "ticket": t, "status": "won"} for t, u in picks],
    }  # fmt: skip


def test_the_encoding_is_the_documented_one() -> None:
    """Tickets, the list hash and the commit follow the bytes the docstring spells out."""
    assert fairness.ticket(SEED, 42) == hashlib.sha256(SEED + b"42").hexdigest()
    assert fairness.entrants_hash([3, 10, 200]) == hashlib.sha256(b"3\n10\n200").hexdigest()
    assert fairness.entrants_hash([]) == hashlib.sha256(b"").hexdigest()
    assert fairness.commit_of(SEED) == hashlib.sha256(SEED).hexdigest()


def test_winners_are_the_lowest_tickets() -> None:
    """The picks are the entrants with the lowest sha256(seed || id), lowest first."""
    entrants = list(range(1, 501))
    picks = fairness.pick(SEED, entrants, 3)
    by_hand = sorted(entrants, key=lambda u: hashlib.sha256(SEED + str(u).encode()).digest())
    assert [u for _, u in picks] == by_hand[:3]
    assert [t for t, _ in picks] == [fairness.ticket(SEED, u) for u in by_hand[:3]]
    assert picks == fairness.ranking(SEED, entrants)[:3]
    assert len(fairness.pick(SEED, [7, 8], 5)) == 2


def test_the_verifier_accepts_a_true_proof() -> None:
    proof = _proof([5, 1, 9, 33, 12], 2)
    verdict = fairness.verify(proof)
    assert verdict.ok, verdict.problems
    assert verdict.winners == [w["user_id"] for w in proof["winners"]]


def test_the_verifier_detects_tampering() -> None:
    """Another seed, an added or dropped entrant, or other winners: each is reported."""
    proof = _proof(list(range(1, 50)), 2)
    other_seed = {**proof, "seed": bytes(32).hex()}
    assert "commit" in fairness.verify(other_seed).problems[0]
    added = {**proof, "entrants": [*proof["entrants"], 999]}
    assert any("entrant hash" in p for p in fairness.verify(added).problems)
    dropped = {**proof, "entrants": proof["entrants"][1:]}
    assert not fairness.verify(dropped).ok
    someone = [{"user_id": 1000, "status": "won"}, *proof["winners"][1:]]
    assert any("differ" in p for p in fairness.verify({**proof, "winners": someone}).problems)
    assert not fairness.verify({"seed": "zz"}).ok


def test_a_forfeit_passes_to_the_next_ticket() -> None:
    """With one pick forfeited, the published picks are the ranking's first wanted + 1."""
    proof = _proof(list(range(1, 30)), 1)
    ranking = fairness.ranking(SEED, proof["entrants"])
    proof["winners"] = [
        {"user_id": ranking[0][1], "status": "forfeited"},
        {"user_id": ranking[1][1], "status": "won"},
    ]
    assert fairness.verify(proof).ok
    proof["winners"][1]["user_id"] = ranking[2][1]  # skipping the next in line
    assert not fairness.verify(proof).ok
