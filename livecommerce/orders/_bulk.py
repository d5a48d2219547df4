"""Statements that write many rows at once, for the group commit (``stock``).

On PostgreSQL the rows travel as one array per column, which the server unnests: one
statement, one round trip, and the driver encodes each array in one go instead of
binding every value of every row (about a sixth of the CPU of an executemany at 64
orders). Other databases get the same statement executed for many rows.

Either way the rows are written in the order given: callers sort buyers, so
concurrent transactions lock purchase counters in one order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.sales.views import SaleView
from livecommerce.storage.models import Order, PurchaseCounter, UTCDateTime

PENDING = OrderStatus.PENDING_PAYMENT.value
_counter = PurchaseCounter.__table__.c
_order = Order.__table__.c
_ORDER_COLUMNS = ["buyer_id", "room_id", "product_id", "sale_id", "quantity",
                  "unit_price_cents", "status", "idempotency_key", "created_at",
                  "expires_at"]  # fmt: skip
_RETURNED = (_order.id, _order.buyer_id, _order.idempotency_key)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _param(name: str, type_: Any) -> Any:
    # Typed, so asyncpg is told each parameter's type (the SELECT list gives none).
    return bindparam(name, type_=type_)


def _count_statement(postgres: bool) -> ReturningInsert[Any]:
    if postgres:
        rows = func.unnest(_param("users", ARRAY(Integer)), _param("units", ARRAY(Integer)))
        table = rows.table_valued("user_id", "quantity").render_derived()
        source = select(_param("sale_id", Integer), table.c.user_id, table.c.quantity)
        upsert: Any = pg_insert(PurchaseCounter).from_select(
            ["sale_id", "user_id", "quantity"], source
        )
    else:
        upsert = sqlite_insert(PurchaseCounter)
    added = upsert.excluded.quantity
    statement: ReturningInsert[Any] = upsert.on_conflict_do_update(
        index_elements=[_counter.sale_id, _counter.user_id],
        set_={"quantity": _counter.quantity + added},
        where=_counter.quantity + added <= _param("limit", Integer),
    ).returning(_counter.user_id)
    return statement


def _order_statement() -> ReturningInsert[Any]:
    rows = func.unnest(
        _param("buyers", ARRAY(Integer)),
        _param("quantities", ARRAY(Integer)),
        _param("keys", ARRAY(String)),
    )
    table = rows.table_valued("buyer_id", "quantity", "idempotency_key").render_derived()
    source = select(
        table.c.buyer_id, _param("room_id", Integer), _param("product_id", Integer),
        _param("sale_id", Integer), table.c.quantity, _param("unit_price_cents", BigInteger),
        _param("status", String), table.c.idempotency_key,
        _param("created_at", UTCDateTime()), _param("expires_at", UTCDateTime()),
    )  # fmt: skip
    return insert(Order).from_select(_ORDER_COLUMNS, source).returning(*_RETURNED)


# Built once: SQLAlchemy then compiles each only once, whatever the number of rows.
_COUNT = {True: _count_statement(True), False: _count_statement(False)}
_ORDERS = _order_statement()


async def add_purchases(
    session: AsyncSession, sale: SaleView, units: Sequence[tuple[int, int]]
) -> int:
    """Add (buyer id, units) to the buyers' counters where the per-buyer limit allows;
    how many counters were written."""
    postgres = _is_postgres(session)
    statement = _COUNT[postgres]
    if postgres:
        users, added = (list(column) for column in zip(*units, strict=True))
        params: Any = {"sale_id": sale.id, "limit": sale.per_user_limit, "users": users,
                       "units": added}  # fmt: skip
    else:
        params = [{"sale_id": sale.id, "user_id": b, "quantity": q,
                   "limit": sale.per_user_limit} for b, q in units]  # fmt: skip
    connection = await session.connection()
    return len((await connection.execute(statement, params)).all())


async def insert_orders(
    session: AsyncSession,
    sale: SaleView,
    rows: Sequence[tuple[int, int, str]],
    *,
    now: datetime,
    expires_at: datetime,
) -> dict[tuple[int, str], int]:
    """Write pending orders (buyer id, units, idempotency key); their ids by (buyer, key)."""
    common = {"room_id": sale.room_id, "product_id": sale.product_id, "sale_id": sale.id,
              "unit_price_cents": sale.price_cents, "status": PENDING,
              "created_at": now, "expires_at": expires_at}  # fmt: skip
    connection = await session.connection()
    if _is_postgres(session):
        buyers, quantities, keys = (list(column) for column in zip(*rows, strict=True))
        params = {**common, "buyers": buyers, "quantities": quantities, "keys": keys}
        written = await connection.execute(_ORDERS, params)
    else:
        many = [{**common, "buyer_id": b, "quantity": q, "idempotency_key": k}
                for b, q, k in rows]  # fmt: skip
        written = await connection.execute(insert(Order).returning(*_RETURNED), many)
    return {(buyer, key): order_id for order_id, buyer, key in written}
