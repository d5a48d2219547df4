"""What a sale must look like after any fault, read from the database and the gate.

The database is the authority: units held by orders never exceed the deal, the deal's
``sold`` and every buyer's purchase counter are exactly what the order rows add up to,
each key has at most one order, and every 2xx a buyer was given names a real order of
theirs. The gate (Redis) must come back to the database's count by itself.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from livecommerce.orders.reconcile import HOLDING
from livecommerce.storage.keys import Keys
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter
from tests.faults._sale import Attempt, Deal

OrderRow = tuple[int, int, str, int, str]  # id, buyer, key, quantity, status


@dataclass
class Books:
    quantity: int
    sold: int
    limit: int
    orders: list[OrderRow]
    counters: dict[int, int]

    @property
    def held(self) -> dict[int, int]:
        """Units each buyer's orders hold."""
        per_buyer: dict[int, int] = defaultdict(int)
        for _, buyer, _, quantity, status in self.orders:
            if status in HOLDING:
                per_buyer[buyer] += quantity
        return dict(per_buyer)


async def read_books(database_url: str, sale_id: int) -> Books:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            sale = (await conn.execute(select(FlashSale).where(FlashSale.id == sale_id))).one()
            orders = await conn.execute(
                select(Order.id, Order.buyer_id, Order.idempotency_key, Order.quantity,
                       Order.status).where(Order.sale_id == sale_id)
            )  # fmt: skip
            counters = await conn.execute(
                select(PurchaseCounter.user_id, PurchaseCounter.quantity).where(
                    PurchaseCounter.sale_id == sale_id, PurchaseCounter.quantity > 0
                )
            )
            rows = [(i, b, k, q, s) for i, b, k, q, s in orders.all()]
            return Books(sale.quantity, sale.sold, sale.per_user_limit, rows,
                         {u: q for u, q in counters.all()})  # fmt: skip
    finally:
        await engine.dispose()


def assert_books_balance(books: Books, attempts: list[Attempt]) -> None:
    """0 oversell, counters from rows, one order per key, the limit, 2xx -> its row."""
    held = books.held
    assert sum(held.values()) <= books.quantity, f"oversold: {sum(held.values())}"
    assert books.sold == sum(held.values()), f"sold {books.sold} != rows {sum(held.values())}"
    assert books.counters == held, "purchase counters differ from the order rows"
    assert max(held.values(), default=0) <= books.limit, "a buyer exceeded the limit"
    per_key = Counter((buyer, key) for _, buyer, key, _, _ in books.orders)
    assert [k for k, n in per_key.items() if n > 1] == [], "a key has two orders"
    rows = {order_id: (buyer, key) for order_id, buyer, key, _, _ in books.orders}
    for attempt in attempts:
        given = {r.order_id for r in attempt.replies if r.ok}
        assert len(given) <= 1, f"one key, several orders: {attempt.key} -> {given}"
        for order_id in given:
            mine = (attempt.buyer.user_id, attempt.key)
            assert rows.get(order_id or -1) == mine, f"2xx without its order: {order_id}"


def assert_decided(attempts: list[Attempt], finals: set[str]) -> None:
    """Every attempt ended with an answer in ``finals``, within its bounded retries."""
    undecided = Counter(f"{a.final.status} {a.final.code}" for a in attempts
                        if a.final.code not in finals)  # fmt: skip
    trail = [[(r.status, r.message, r.node, round(r.at % 1000, 1)) for r in a.replies]
             for a in attempts if a.final.code not in finals]  # fmt: skip
    assert not undecided, f"attempts without a final answer: {undecided}, e.g. {trail[:3]}"


def assert_no_server_errors(attempts: list[Attempt]) -> None:
    bad = Counter(r.status for a in attempts for r in a.replies if (r.status or 0) >= 500)
    assert set(bad) <= {503}, f"server errors: {bad}"


async def gate_level(redis: Redis, prefix: str, deal: Deal) -> tuple[int, dict[int, int]] | None:
    """The gate's sold count and units held per buyer; ``None`` if it has no such sale."""
    keys = Keys(prefix)
    sold = await redis.hget(keys.sale_gate(deal.room_id, deal.sale_id), "sold")
    held = await redis.hgetall(keys.sale_buyers(deal.room_id, deal.sale_id))
    if sold is None:
        return None
    return int(sold), {int(b): int(n) for b, n in held.items() if int(n)}


async def seconds_to_reconcile(
    redis: Redis, prefix: str, deal: Deal, database_url: str, within: float = 60.0
) -> float:
    """Seconds until the gate agrees with the database: units sold, and held per buyer."""
    began = time.monotonic()
    while True:
        books = await read_books(database_url, deal.sale_id)
        try:
            gate = await gate_level(redis, prefix, deal)
        except Exception:  # a cluster client may still be re-reading its slot map
            gate = None
        if gate == (books.sold, books.counters):
            return time.monotonic() - began
        sold = None if gate is None else gate[0]
        assert time.monotonic() - began < within, f"gate {sold} != database {books.sold}"
        await asyncio.sleep(0.25)


def summary(
    fault: str, attempts: list[Attempt], books: Books, sold: tuple[int, int], reconcile: float
) -> str:
    """One line: requests by answer, units sold when the fault hit and after the first
    wave, the end state, and how long the gate took to agree with the database."""
    replies = [r for a in attempts for r in a.replies]
    by_status = Counter(r.status for r in replies)
    oversell = max(0, sum(books.held.values()) - books.quantity)
    return (
        f"{fault}: attempts={len(attempts)} requests={len(replies)} "
        f"201={by_status[201]} 200={by_status[200]} 409={by_status[409]} "
        f"503={by_status[503]} 429={by_status[429]} no_answer={by_status[None]} "
        f"sold_at_fault={sold[0]} sold_after_wave1={sold[1]} "
        f"sold={books.sold}/{books.quantity} oversell={oversell} reconcile_s={reconcile:.1f}"
    )
