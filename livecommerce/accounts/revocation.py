"""Revoking bearer tokens before they expire, with no I/O when a token is checked.

Two ways out: logging out revokes the token presented (its id is remembered until it
would have expired), and "log out everywhere" raises the user's token generation on the
user row, so every token issued at a lower generation is refused.

Checking a token must cost nothing on the flash-sale path, so every node holds a replica
of the whole (small) truth in memory (``revocation_replica``): the ids of logged-out
tokens and the generations of the users who ever logged out everywhere. A check is a
lookup in it. The replica is refreshed every ``cache_seconds / 2`` by a supervised
loop (``run``), reading from Redis only what changed (``shared_revocations``); so a
revocation made on one node holds on every node within ``cache_seconds``, and at once
on the node that made it, which writes it to Redis and to its own replica. Users'
generations are also read from the database when Redis is read in full (at start, and
after Redis lost its data), and shared to Redis if it lacks them.

Redis unreachable during a refresh: the node keeps its last replica (plus generations
read from the database, and its own logouts) and goes on answering from it for at most
``stale_seconds`` after its last good refresh. Past that it fails closed: checks raise
``Unavailable`` (503, try again) until Redis answers again. A logout (one token or all)
that cannot reach Redis answers 503 too, so no revocation is silently lost.

In the embedded shape there is one process: its replica is the truth, loaded from the
database once, and changed by its own logouts only.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from livecommerce.accounts.revocation_replica import RevocationReplica
from livecommerce.accounts.shared_revocations import Read, Revoked, SharedRevocations
from livecommerce.accounts.tokens import Claims
from livecommerce.errors import NotAuthenticated, Unavailable
from livecommerce.loops import pass_failed, pause
from livecommerce.storage.db import Database
from livecommerce.storage.models import User

log = logging.getLogger(__name__)

STALE_SECONDS = 60.0
"""Default of how long past a failed refresh a node still trusts its replica."""
MIN_REFRESH_SECONDS = 0.05
WARN_EVERY_SECONDS = 10.0


class Revocations:
    def __init__(
        self,
        db: Database,
        shared: SharedRevocations | None,
        *,
        cache_seconds: float,
        stale_seconds: float = STALE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._shared = shared
        # One process knows every change it makes: its replica never goes stale.
        self._cache_seconds = cache_seconds if shared is not None else math.inf
        self._stale_limit = cache_seconds + stale_seconds if shared is not None else math.inf
        self._clock = clock
        self._replica = RevocationReplica()
        self._epoch, self._version = "", 0  # where in Redis's change log the replica is
        self._tried_at = -math.inf  # last refresh, whatever its outcome
        self._synced_at = clock()  # last refresh that read Redis (a node starts trusted)
        self._lock = asyncio.Lock()
        self._warned = -math.inf

    @property
    def refresh_every(self) -> float:
        return max(MIN_REFRESH_SECONDS, self._cache_seconds / 2)

    async def check(self, claims: Claims) -> None:
        """Raise ``NotAuthenticated`` if the (validly signed) token was revoked, and
        ``Unavailable`` if this node has not been able to learn that for too long."""
        now = self._clock()
        if now - self._tried_at >= self._cache_seconds:
            # Only without the loop (``run``), or with no cache at all: the loop
            # refreshes twice as often as this.
            await self.refresh()
            now = self._clock()
        if now - self._synced_at > self._stale_limit:
            raise Unavailable("cannot check tokens for revocation now; try again")
        if self._replica.refuses(claims):
            raise NotAuthenticated("token revoked")

    async def run(self) -> None:
        """Keep the replica fresh for the app's lifetime (spawned by ``resources``)."""
        while True:
            await pause(self.refresh_every)
            try:
                await self.refresh()
            except Exception as exc:
                pass_failed(log, "token revocation refresh failed", exc)

    async def refresh(self) -> None:
        """Bring the replica up to date; one refresh at a time, and a caller that waited
        for another's is done."""
        started = self._clock()
        async with self._lock:
            if self._tried_at >= started:
                return
            # Set only when it returns: the embedded shape's one database read is
            # tried again if it failed (the scaled shape handles its own failures).
            await self._sync()
            self._tried_at = self._clock()

    async def _sync(self) -> None:
        if self._shared is None:
            self._replica.raise_generations(await self._stored_generations())
            return
        started = self._clock()
        try:
            read = await self._read(self._shared)
        except RedisError as exc:
            self._warn(f"token revocations not refreshed from Redis: {exc}")
            await self._merge_stored()  # a logout-all made meanwhile is on the user row
            return
        self._replica.merge(read.revoked)
        stored = not read.complete or await self._merge_stored()
        # Without the database's generations, a full read is not done: again next time.
        self._epoch, self._version = (read.epoch, read.version) if stored else ("", 0)
        self._synced_at = started
        self._replica.drop_expired(time.time())
        if read.complete:
            await self._share_missing(self._shared, read.revoked)

    async def _read(self, shared: SharedRevocations) -> Read:
        found = await shared.read_since(self._epoch, self._version) if self._epoch else None
        return found or await shared.read_all(now=time.time())

    async def _merge_stored(self) -> bool:
        try:
            self._replica.raise_generations(await self._stored_generations())
        except (SQLAlchemyError, OSError) as exc:
            self._warn(f"token generations not read from the database: {exc}")
            return False
        return True

    async def _share_missing(self, shared: SharedRevocations, known: Revoked) -> None:
        """Tell Redis what this node knows and Redis does not: generations seeded from
        the database, and logouts it lost with its data."""
        missing = self._replica.missing_from(known)
        try:
            if missing.tokens:
                await shared.revoke(missing.tokens, now=time.time())
            if missing.generations:
                await shared.raise_generations(missing.generations)
        except RedisError as exc:
            self._warn(f"token revocations not shared: {exc}")

    async def _stored_generations(self) -> dict[int, int]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(User.id, User.token_generation).where(User.token_generation > 0)
            )
            return {user_id: generation for user_id, generation in rows.all()}

    async def issued(self, claims: Claims) -> None:
        """A token was just issued at the generation read from the user row. Nothing to
        tell anyone: a generation that was never raised is 0, and a raised one is known."""
        self._replica.refuses(claims)  # learns the generation, never lowers it

    async def revoke(self, claims: Claims) -> None:
        """Log out one token: refused everywhere until it would have expired anyway."""
        if not claims.token_id or claims.expires <= time.time():
            return
        self._replica.add_token(claims.token_id, claims.expires)
        if self._shared is None:
            return
        try:
            await self._shared.revoke({claims.token_id: claims.expires}, now=time.time())
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
        self._replica.raise_generations({user_id: generation})
        if self._shared is not None:
            try:
                await self._shared.raise_generations({user_id: generation})
            except RedisError as exc:  # the row is raised; a retry raises it again
                raise Unavailable("could not reach every node; try again") from exc
        return generation

    def _warn(self, message: str) -> None:
        # An outage must not log a line per refresh.
        now = self._clock()
        if now - self._warned >= WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(message)
