"""The draw's published rule, and the verifier anyone can run on a published proof.

Byte encoding (also in the README; a verifier in any language follows this):

- ``seed``: 32 random bytes, published as 64 lowercase hex characters at the close.
- ``commit`` = ``sha256(seed)`` as lowercase hex, published when the draw is created,
  before any entry, so the seed cannot be chosen after seeing who entered.
- An entrant is a user id, a positive integer, written as ASCII decimal without leading
  zeros (``42`` is the two bytes ``0x34 0x32``).
- ``entrants_hash`` = ``sha256`` of the entrant ids sorted ascending as numbers, each in
  ASCII decimal, joined by one ``\\n`` (0x0A), no trailing newline (no entrants: the
  empty string), as lowercase hex. Published at the close, with the list itself.
- ``ticket(id)`` = ``sha256(seed || ascii_decimal(id))``: the 32 seed bytes followed by
  the id's ASCII bytes, as lowercase hex.
- Ranking: entrants ordered by ticket, lowest first (hex strings compare as the bytes
  do). Winners are the first ``min(winners, len(entrants))`` of the ranking; a prize
  forfeited (unclaimed in time) goes to the next entrant of the ranking not yet picked,
  so the published ``winners`` list, in pick order, is always a prefix of the ranking.
"""

from __future__ import annotations

import hashlib
import heapq
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RULE = "lowest sha256(seed || ascii_decimal(user_id)) first"


def new_seed() -> bytes:
    return secrets.token_bytes(32)


def commit_of(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def canonical_entrants(entrants: Iterable[int]) -> list[int]:
    """The entrant list as published: unique ids, ascending."""
    return sorted(set(entrants))


def entrants_hash(entrants: Sequence[int]) -> str:
    """``entrants`` must already be canonical (see :func:`canonical_entrants`)."""
    return hashlib.sha256("\n".join(map(str, entrants)).encode("ascii")).hexdigest()


def ticket(seed: bytes, user_id: int) -> str:
    return _digest(seed, user_id).hex()


def _digest(seed: bytes, user_id: int) -> bytes:
    return hashlib.sha256(seed + b"%d" % user_id).digest()


def _tickets(seed: bytes, entrants: Iterable[int]) -> Iterator[tuple[bytes, int]]:
    # Raw digests order as their hex does, and hex is only needed for the few published.
    return ((_digest(seed, user_id), user_id) for user_id in entrants)


def ranking(seed: bytes, entrants: Iterable[int]) -> list[tuple[str, int]]:
    """Every entrant with its ticket, lowest ticket first."""
    return [(digest.hex(), user_id) for digest, user_id in sorted(_tickets(seed, entrants))]


def pick(seed: bytes, entrants: Iterable[int], count: int) -> list[tuple[str, int]]:
    """The first ``count`` of the ranking (fewer when there are fewer entrants), without
    ranking everyone: a draw of 100,000 entrants picks a handful."""
    lowest = heapq.nsmallest(max(count, 0), _tickets(seed, entrants))
    return [(digest.hex(), user_id) for digest, user_id in lowest]


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    problems: list[str]
    winners: list[int]
    """The winners recomputed from the published seed and entrants, in pick order."""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "winners": self.winners}


def verify(proof: Mapping[str, Any]) -> Verdict:
    """Recompute a closed draw's winners from its published proof and say whether the
    published commit, entrant hash and winners agree with them."""
    try:
        seed = bytes.fromhex(str(proof["seed"]))
        entrants = [int(e) for e in proof["entrants"]]
        wanted = int(proof["winners_wanted"])
        published = [int(w["user_id"]) for w in proof["winners"]]
        forfeited = sum(1 for w in proof["winners"] if w.get("status") == "forfeited")
        commit, listed = str(proof["commit"]), str(proof["entrants_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verdict(False, [f"not a closed draw's proof: {exc!r}"], [])
    problems = []
    if len(seed) != 32 or commit_of(seed) != commit:
        problems.append("the seed does not match the commit published at the start")
    if entrants != canonical_entrants(entrants):
        problems.append("the entrant list is not unique and ascending")
    if entrants_hash(entrants) != listed:
        problems.append("the entrant list does not match the entrant hash published at close")
    expected = [user_id for _, user_id in pick(seed, entrants, wanted + forfeited)]
    if published != expected:
        problems.append(f"published winners {published} differ from the rule's {expected}")
    return Verdict(not problems, problems, expected)
