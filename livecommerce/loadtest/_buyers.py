"""Accounts for load tests: through the API, or in bulk straight into the database."""

from __future__ import annotations

import argparse
import asyncio
import secrets

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.tokens import Principal, TokenSigner
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest.progress import Progress, note
from livecommerce.storage.models import User

PASSWORD = "load-test-password"
TOKEN_TTL = 6 * 3600


async def signup(conn: Connection, handle: str, role: str) -> tuple[str, str, int]:
    """(handle, token, user id) of a new account."""
    body = await expect(
        conn,
        "POST",
        "/api/auth/signup",
        {
            "handle": handle,
            "password": PASSWORD,
            "display_name": handle,
            "role": role,
        },
        status=201,
    )
    return handle, body["token"], int(body["user"]["id"])


async def _through_api(
    url: str, count: int, tag: str, concurrency: int = 16
) -> list[tuple[int, str]]:
    handles = iter(range(count))
    made: list[tuple[int, str]] = []
    progress = Progress("accounts signed up", count)

    async def worker() -> None:
        conn = Connection(url)
        for i in handles:
            _, token, user_id = await signup(conn, f"lt_b{tag}_{i}", "viewer")
            made.append((user_id, token))
            progress.update(len(made))
        await conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return made


async def _in_bulk(
    database_url: str, secret_key: str, count: int, tag: str
) -> list[tuple[int, str]]:
    password_hash = await Passwords(memory_kib=1024).hash(PASSWORD)
    handles = [f"lt_b{tag}_{i}" for i in range(count)]
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        rows = [
            {"handle": h, "display_name": h, "password_hash": password_hash, "role": "viewer"}
            for h in handles
        ]
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(User), rows[start : start + 5000])
        found = await conn.execute(select(User.id, User.handle).where(User.handle.in_(handles)))
        ids = {handle: user_id for user_id, handle in found}
    await engine.dispose()
    signer = TokenSigner(secret_key, ttl_seconds=TOKEN_TTL)
    return [(ids[h], signer.issue(Principal(ids[h], h, "viewer"))) for h in handles]


async def prepare(args: argparse.Namespace) -> list[tuple[int, str]]:
    """``args.buyers`` buyers as (user id, bearer token)."""
    tag = secrets.token_hex(3)
    if args.database_url:
        if not args.secret_key:
            raise SystemExit("--database-url needs --secret-key to mint the buyers' tokens")
        note(f"inserting {args.buyers} accounts into the database")
        return await _in_bulk(args.database_url, args.secret_key, args.buyers, tag)
    return await _through_api(args.url, args.buyers, tag)
