"""Revoking bearer tokens before they expire, without a database read per request.

Two ways out: logging out revokes the token presented (its id is remembered until it
would have expired), and "log out everywhere" raises the user's token generation on the
user row, so every token issued at a lower generation is refused.

Checking a token must stay cheap on the flash-sale path. Each node caches what it
learned for ``cache_seconds``: the user's generation and, per token, whether it was
revoked. In the scaled shape the truth is in Redis (``SharedRevocations``), copied from
the database when missing, so a revocation on one node holds on every node within
``cache_seconds`` (at once on the node that made it). In the embedded shape there is one
process: it knows every revocation itself, and the generation is read from the database
once per user. While Redis is unreachable, nodes fall back on the database for
generations and on their own record of revoked tokens. (A Redis that loses its data
forgets single logouts made elsewhere; "log out everywhere" is on the user row.)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from redis.exceptions import RedisError
from sqlalchemy import select, update

from livecommerce.accounts.shared_revocations import SharedRevocations
from livecommerce.accounts.tokens import Claims
from livecommerce.coalesce import Coalescer
from livecommerce.errors import NotAuthenticated, Unavailable
from livecommerce.storage.db import Database
from livecommerce.storage.models import User

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")

MAX_CACHED = 100_000
"""Entries per cache before it is emptied (it refills from the source of truth)."""
WARN_EVERY_SECONDS = 10.0
FETCH_BATCH = 256
"""Token checks that go to Redis (and the database) together in one round trip."""


class Revocations:
    def __init__(
        self,
        db: Database,
        shared: SharedRevocations | None,
        *,
        cache_seconds: float,
        token_ttl: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._shared = shared
        # One process knows every change it makes: its cache never goes stale.
        self._cache_seconds = cache_seconds if shared is not None else math.inf
        self._token_ttl = token_ttl
        self._clock = clock
        self._generations: dict[int, tuple[int, float]] = {}  # user -> (generation, at)
        self._seen: dict[str, tuple[bool, float]] = {}  # token id -> (revoked, at)
        self._revoked_here: dict[str, int] = {}  # token id -> expiry (unix time)
        self._warned = -math.inf
        self._fetches: Coalescer[tuple[int, str], tuple[int, bool]] = Coalescer(
            max_batch=FETCH_BATCH
        )

    async def check(self, claims: Claims) -> None:
        """Raise ``NotAuthenticated`` if the (validly signed) token was revoked."""
        if await self._is_revoked(claims):
            raise NotAuthenticated("token revoked")

    async def _is_revoked(self, claims: Claims) -> bool:
        user_id, token_id = claims.principal.user_id, claims.token_id
        if token_id in self._revoked_here:
            return True
        now = self._clock()
        generation = self._fresh(self._generations.get(user_id), now)
        revoked = self._fresh(self._seen.get(token_id), now) if token_id else False
        if generation is None or revoked is None:
            # A crowd's first attempts arrive together: one round trip for all of them.
            generation, revoked = await self._fetches.submit(
                None, (user_id, token_id), self._fetch_many
            )
        # A token names the generation its user had when it was issued, and generations
        # only rise: a newer token proves the cached value is old.
        self._learn(user_id, claims.generation)
        return revoked or claims.generation < generation

    def _fresh(self, entry: tuple[V, float] | None, now: float) -> V | None:
        if entry is None or now - entry[1] > self._cache_seconds:
            return None
        return entry[0]

    async def _fetch_many(
        self, tokens: Sequence[tuple[int, str]]
    ) -> list[tuple[int, bool] | Exception]:
        """What Redis (or, for users it does not know, the database) says of each token."""
        found: list[tuple[int | None, bool]] = [(None, False)] * len(tokens)
        if self._shared is not None:
            try:
                found = await self._shared.lookup_many(tokens)
            except RedisError as exc:
                self._warn(f"token check without Redis: {exc}")
        missing = sorted({user for (user, _), (gen, _) in zip(tokens, found, strict=True)
                          if gen is None})  # fmt: skip
        stored = await self._stored_generations(missing) if missing else {}
        if stored and self._shared is not None:
            try:
                await self._shared.share_read(stored, ttl=self._token_ttl)
            except RedisError as exc:
                self._warn(f"token generations not shared: {exc}")
        now = self._clock()
        answers: list[tuple[int, bool] | Exception] = []
        for (user_id, token_id), (generation, revoked) in zip(tokens, found, strict=True):
            known = self._remember(user_id, stored.get(user_id, generation or 0), now)
            if token_id:
                _bounded(self._seen)[token_id] = (revoked, now)
            answers.append((known, revoked))
        return answers

    def _remember(self, user_id: int, generation: int, at: float) -> int:
        """Cache a generation just read; a higher one learned meanwhile (a logout-all
        while the read was awaited) is kept. Returns the generation cached."""
        known = self._generations.get(user_id)
        if known is not None and known[0] > generation:
            return known[0]
        _bounded(self._generations)[user_id] = (generation, at)
        return generation

    async def _stored_generations(self, user_ids: Sequence[int]) -> dict[int, int]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(User.id, User.token_generation).where(User.id.in_(user_ids))
            )
            stored = {user_id: generation or 0 for user_id, generation in rows.all()}
        # Users are never deleted; an id with no row has had no "log out everywhere".
        return {user_id: stored.get(user_id, 0) for user_id in user_ids}

    def _learn(self, user_id: int, generation: int) -> None:
        known = self._generations.get(user_id)
        if known is not None and generation > known[0]:
            self._generations[user_id] = (generation, known[1])  # keeps its age

    async def issued(self, claims: Claims) -> None:
        """A token was just issued at the generation read from the user row: remember it
        here and tell Redis, so checking the token needs no database read."""
        user_id, generation, now = claims.principal.user_id, claims.generation, self._clock()
        self._remember(user_id, generation, now)
        if claims.token_id:
            _bounded(self._seen)[claims.token_id] = (False, now)  # too new to be revoked
        await self._share_generation(user_id, generation, required=False)

    async def revoke(self, claims: Claims) -> None:
        """Log out one token: refused everywhere until it would have expired anyway."""
        ttl = math.ceil(claims.expires - time.time())
        if not claims.token_id or ttl <= 0:
            return
        if len(self._revoked_here) >= MAX_CACHED:
            wall = time.time()
            self._revoked_here = {k: v for k, v in self._revoked_here.items() if v > wall}
        self._revoked_here[claims.token_id] = claims.expires
        if self._shared is None:
            return
        try:
            await self._shared.revoke(claims.principal.user_id, claims.token_id, ttl=ttl)
        except RedisError as exc:
            raise Unavailable("logged out on this node only; try again") from exc

    async def revoke_all(self, user_id: int) -> int:
        """Log the user out everywhere: every token issued so far is refused."""
        async with self._db.unit_of_work() as uow:
            generation = await uow.session.scalar(
                update(User)
                .where(User.id == user_id)
                .values(token_generation=User.token_generation + 1)
                .returning(User.token_generation)
                .execution_options(synchronize_session=False)
            )
        if generation is None:
            raise NotAuthenticated("no such user")
        self._remember(user_id, generation, self._clock())
        await self._share_generation(user_id, generation, required=True)
        return generation

    async def _share_generation(self, user_id: int, generation: int, *, required: bool) -> None:
        if self._shared is None:
            return
        try:
            await self._shared.raise_generation(user_id, generation, ttl=self._token_ttl)
        except RedisError as exc:
            if required:  # the row is raised; a retry raises it again and tells Redis
                raise Unavailable("could not reach every node; try again") from exc
            self._warn(f"token generation not shared: {exc}")

    def _warn(self, message: str) -> None:
        # Once per cache period: an outage must not log a line per request.
        now = self._clock()
        if now - self._warned >= WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(message)


def _bounded(cache: dict[K, V]) -> dict[K, V]:
    if len(cache) >= MAX_CACHED:
        cache.clear()
    return cache
