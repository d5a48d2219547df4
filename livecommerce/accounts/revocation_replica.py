"""A node's in-memory copy of what is revoked: checking a token is two dict lookups.

Both halves only grow until tokens expire: a token once revoked stays revoked until it
would have expired anyway, and a user's generation never goes down. So merging what
anyone says (Redis, the database, this node's own logouts, a token's own claim) is a
union and a max, in any order, as often as it comes.
"""

from __future__ import annotations

import heapq

from livecommerce.accounts.shared_revocations import Revoked
from livecommerce.accounts.tokens import Claims


class RevocationReplica:
    def __init__(self) -> None:
        self.tokens: dict[str, int] = {}
        """Revoked token id -> when it expires (unix time)."""
        self.generations: dict[int, int] = {}
        """User -> raised token generation; a user not here has generation 0."""
        self._expiries: list[tuple[int, str]] = []  # heap: the next token to drop first

    def refuses(self, claims: Claims) -> bool:
        user_id = claims.principal.user_id
        if claims.token_id and claims.token_id in self.tokens:
            return True
        raised = self.generations.get(user_id, 0)
        if claims.generation > raised:
            # A token names the generation its user had when it was issued: one newer
            # than ours proves a raise not read yet.
            self.generations[user_id] = claims.generation
        return claims.generation < raised

    def merge(self, revoked: Revoked) -> None:
        for token_id, expires in revoked.tokens.items():
            self.add_token(token_id, expires)
        self.raise_generations(revoked.generations)

    def add_token(self, token_id: str, expires: int) -> None:
        if token_id not in self.tokens:
            self.tokens[token_id] = expires
            heapq.heappush(self._expiries, (expires, token_id))

    def raise_generations(self, generations: dict[int, int]) -> None:
        for user_id, generation in generations.items():
            if generation > self.generations.get(user_id, 0):
                self.generations[user_id] = generation

    def missing_from(self, revoked: Revoked) -> Revoked:
        """What this replica knows that ``revoked`` (all of Redis) lacks."""
        tokens = {t: e for t, e in self.tokens.items() if t not in revoked.tokens}
        generations = {
            user_id: generation
            for user_id, generation in self.generations.items()
            if generation > revoked.generations.get(user_id, 0)
        }
        return Revoked(tokens, generations)

    def drop_expired(self, now: float) -> None:
        """Forget tokens past their expiry: they are refused as expired by then."""
        while self._expiries and self._expiries[0][0] < now:
            _, token_id = heapq.heappop(self._expiries)
            self.tokens.pop(token_id, None)
