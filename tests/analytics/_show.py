"""Building shows from known ledger rows for the analytics tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from livecommerce.analytics.ledger import Ledger
from livecommerce.orders import funnel
from livecommerce.orders.funnel import show_clock
from livecommerce.storage.db import Database
from livecommerce.storage.models import LedgerEntry, Room, utcnow
from tests.users import Account, product, room, signup


@dataclass
class Show:
    room_id: int
    shop: Account
    host: Account
    product_ids: list[int]
    started: datetime
    db: Database
    now: datetime = field(init=False)
    viewers: int = 0

    def __post_init__(self) -> None:
        self.now = self.started

    def at(self, seconds: float) -> None:
        self.now = self.started + timedelta(seconds=seconds)

    def ledger(self) -> Ledger:
        async def count(_room: int) -> int:
            return self.viewers

        return Ledger(self.db, salt="s", viewers=count, clock=lambda: self.now)

    async def order_row(
        self, kind: str, seconds: float, *, order_id: int, buyer: int, product_id: int,
        amount: int,
    ) -> None:  # fmt: skip
        """An order row as ``orders.funnel`` writes it, rollup and all (the order itself
        need not exist)."""
        at = self.started + timedelta(seconds=seconds)
        elapsed, minute = show_clock(self.started, at)
        async with self.db.unit_of_work() as uow:
            await funnel.append_rows(
                uow,
                [{
                    "room_id": self.room_id, "kind": kind, "at": at, "elapsed_ms": elapsed,
                    "minute": minute, "product_id": product_id, "sale_id": None,
                    "order_id": order_id, "viewer": f"u:{buyer}", "count": 1,
                    "amount_cents": amount, "value_ms": 0, "detail": "",
                }],
            )  # fmt: skip


async def live_show(
    app: FastAPI, client: httpx.AsyncClient, *, products: int = 2, prefix: str = "",
    ago: float = 200,
) -> Show:  # fmt: skip
    shop = await signup(client, f"{prefix}shop", "merchant")
    host = await signup(client, f"{prefix}anna", "host")
    ids = [(await product(client, shop, f"P{i}", price_cents=1500))["id"] for i in range(products)]
    rid = (await room(client, shop, host, ids))["id"]
    started = await client.post(f"/api/rooms/{rid}/start", headers=host.headers)
    assert started.status_code == 200, started.text
    db: Database = app.state.resources.db
    at = utcnow() - timedelta(seconds=ago)  # the show has been running this long
    async with db.unit_of_work() as uow:
        await uow.session.execute(update(Room).where(Room.id == rid).values(started_at=at))
    return Show(rid, shop, host, ids, at, db)


async def rows_of(db: Database, room_id: int) -> list[LedgerEntry]:
    async with db.read() as session:
        query = select(LedgerEntry).where(LedgerEntry.room_id == room_id)
        return list((await session.scalars(query)).all())
