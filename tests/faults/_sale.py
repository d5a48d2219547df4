"""A flash sale on several real nodes and a crowd of buyers who retry like real apps.

Each purchase attempt has its own Idempotency-Key and is retried with that same key
when it got no answer (the node died, the connection broke), a 503, a 429 or a
``conflict`` ("still being placed; retry"): the node answering a 503 or not at all is
left for another one, as a load balancer does. Tries are bounded in count and time.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.tokens import Principal, TokenSigner
from livecommerce.storage.models import User
from tests.servers import Server

SECRET_KEY = "test-secret-key"
QUANTITY, LIMIT = 100, 1
MAX_TRIES, ATTEMPT_SECONDS = 25, 30.0
RETRIED = {None, 429, 503}


@dataclass(frozen=True)
class Deal:
    sale_id: int
    room_id: int


@dataclass(frozen=True)
class Buyer:
    user_id: int
    token: str


@dataclass
class Reply:
    status: int | None  # None: no response at all
    code: str = ""
    order_id: int | None = None
    message: str = ""
    node: int = -1
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Attempt:
    buyer: Buyer
    key: str
    quantity: int
    replies: list[Reply] = field(default_factory=list)

    @property
    def final(self) -> Reply:
        return self.replies[-1]


def _signup(client: httpx.Client, handle: str, role: str) -> str:
    body = {"handle": handle, "password": "correct horse", "display_name": handle, "role": role}
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    client.cookies.clear()
    token: str = response.json()["token"]
    return token


def open_deal(server: Server, duration: int) -> Deal:
    """A live deal of ``QUANTITY`` units, ``LIMIT`` per buyer, for ``duration`` s."""
    with httpx.Client(base_url=server.url, timeout=20) as client:
        shop = {"Authorization": f"Bearer {_signup(client, 'shop', 'merchant')}"}
        _signup(client, "anna", "host")
        product = {"title": "Tea", "price_cents": 1999, "stock": 10 * QUANTITY}
        pid = client.post("/api/products", json=product, headers=shop).json()["id"]
        room = {"title": "Show", "host": "anna", "scheduled_at": "2030-01-01T12:00:00Z",
                "product_ids": [pid]}  # fmt: skip
        rid = client.post("/api/rooms", json=room, headers=shop).json()["id"]
        # Deals sell only while their show is live.
        assert client.post(f"/api/rooms/{rid}/start", headers=shop).status_code == 200
        deal = {"product_id": pid, "price_cents": 990, "quantity": QUANTITY,
                "per_user_limit": LIMIT, "countdown_seconds": 0,
                "duration_seconds": duration}  # fmt: skip
        sale = client.post(f"/api/rooms/{rid}/sales", json=deal, headers=shop)
        assert sale.status_code == 201, sale.text
        return Deal(sale.json()["id"], rid)


async def make_buyers(database_url: str, count: int, prefix: str = "buyer") -> list[Buyer]:
    """``count`` viewers inserted in one statement, with tokens minted here (a signup
    each would cost a password hash and minutes of CPU on a small box)."""
    password_hash = await Passwords(memory_kib=1024).hash("correct horse")
    handles = [f"{prefix}{i}" for i in range(count)]
    rows = [{"handle": h, "display_name": h, "password_hash": password_hash, "role": "viewer"}
            for h in handles]  # fmt: skip
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(User), rows)
            found = await conn.execute(select(User.id, User.handle).where(User.handle.in_(handles)))
            ids = {handle: user_id for user_id, handle in found}
    finally:
        await engine.dispose()
    signer = TokenSigner(SECRET_KEY, ttl_seconds=3600)
    return [Buyer(ids[h], signer.issue(Principal(ids[h], h, "viewer"))) for h in handles]


class Crowd:
    """Kept-alive connections to every node; buyers' attempts over them."""

    def __init__(self, servers: list[Server], deal: Deal) -> None:
        limits = httpx.Limits(max_connections=48, max_keepalive_connections=48)
        self.clients = [httpx.AsyncClient(base_url=s.url, timeout=10, limits=limits)
                        for s in servers]  # fmt: skip
        self.path = f"/api/sales/{deal.sale_id}/orders"

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def _send(self, node: int, attempt: Attempt) -> tuple[Reply, float]:
        """One request; its reply and how long to wait before a retry."""
        headers = {"Authorization": f"Bearer {attempt.buyer.token}",
                   "Idempotency-Key": attempt.key}  # fmt: skip
        body = {"quantity": attempt.quantity}
        try:
            response = await self.clients[node].post(self.path, json=body, headers=headers)
        except httpx.TransportError:
            return Reply(None), 0.2
        data = response.json()
        if response.is_success:
            return Reply(response.status_code, "ok", int(data["id"])), 0.0
        wait = min(float(response.headers.get("retry-after", "0.25")), 1.0)
        error = data["error"]
        return Reply(response.status_code, error["code"], message=error["message"]), wait

    async def attempt(self, attempt: Attempt, home: int, *, repeat: bool = False) -> Attempt:
        """Send ``attempt`` until it has a final answer, moving off a node that does
        not answer or answers 503; with ``repeat``, send it once more after a success
        (a double tap), which must answer with the same order (retried the same way: the
        node that said yes may be the one going away)."""
        node = await self._until_final(attempt, home)
        if repeat and attempt.final.ok:
            await self._until_final(attempt, node)
        return attempt

    async def _until_final(self, attempt: Attempt, node: int) -> int:
        """Send until an answer that is not retried; the node that gave it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ATTEMPT_SECONDS
        for _ in range(MAX_TRIES):
            reply, wait = await self._send(node, attempt)
            reply.node = node
            attempt.replies.append(reply)
            if reply.status in (None, 503):
                node = (node + 1) % len(self.clients)
            retried = reply.status in RETRIED or reply.code == "conflict"
            if not retried or loop.time() + wait > deadline:
                break
            await asyncio.sleep(wait)
        return node


async def wave(
    crowd: Crowd, plan: list[tuple[Attempt, bool]], homes: list[int], spread: float
) -> list[Attempt]:
    """Start the planned attempts evenly over ``spread`` seconds, each on a home node
    taken in turn from ``homes``; wait for all of them."""

    async def later(i: int, attempt: Attempt, repeat: bool) -> Attempt:
        await asyncio.sleep(i * spread / max(len(plan), 1))
        return await crowd.attempt(attempt, homes[i % len(homes)], repeat=repeat)

    jobs = [later(i, a, r) for i, (a, r) in enumerate(plan)]
    return list(await asyncio.gather(*jobs))


def first_wave(buyers: list[Buyer], seed: int = 0) -> list[tuple[Attempt, bool]]:
    """Two attempts per buyer with different keys (the second must hit the limit), one
    in ten asking for more than the limit first, one in four double-tapping: shuffled,
    so a buyer's two keys sometimes race."""
    plan: list[tuple[Attempt, bool]] = []
    for n, buyer in enumerate(buyers):
        if n % 10 == 0:
            plan.append((Attempt(buyer, f"w1-{buyer.user_id}-greedy", LIMIT + 1), False))
        plan.append((Attempt(buyer, f"w1-{buyer.user_id}-a", 1), n % 4 == 0))
        plan.append((Attempt(buyer, f"w1-{buyer.user_id}-b", 1), False))
    random.Random(seed).shuffle(plan)
    return plan


def second_wave(buyers: list[Buyer]) -> list[tuple[Attempt, bool]]:
    return [(Attempt(b, f"w2-{b.user_id}", 1), False) for b in buyers]
