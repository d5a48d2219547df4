"""Baselines for the flash-sale benchmark, served on the same box as the real node.

``locking``: the textbook order path. Every attempt opens a transaction, locks the deal
row with ``SELECT ... FOR UPDATE``, checks stock and the buyer's limit, writes the order
and commits. Same tokens (verified by signature), same tables, same endpoint path.

``noop``: a FastAPI endpoint that only verifies the token and answers; the ceiling of
what any Python endpoint on this box can do under the same load generator.

    python -m tests.bench.flashsale_baseline locking --port 8101 --database-url ... --secret-key ...
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from livecommerce.accounts.tokens import Principal, TokenSigner
from livecommerce.errors import NotAuthenticated
from livecommerce.storage.models import FlashSale, Order, PurchaseCounter


def _refuse(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": code}}, status_code=status)


def _principal(tokens: TokenSigner, request: Request) -> Principal | None:
    try:
        return tokens.verify(request.headers.get("authorization", "")[7:])
    except NotAuthenticated:
        return None


async def _locked_order(
    conn: AsyncConnection, sale_id: int, buyer: int, quantity: int, key: str
) -> JSONResponse:
    existing = await conn.scalar(
        select(Order.id).where(Order.buyer_id == buyer, Order.idempotency_key == key)
    )
    if existing is not None:
        return JSONResponse({"id": existing}, status_code=200)
    sale = (
        await conn.execute(select(FlashSale).where(FlashSale.id == sale_id).with_for_update())
    ).first()
    if sale is None:
        return _refuse(404, "not_found")
    now = datetime.now(UTC)
    if not sale.starts_at <= now < sale.ends_at:
        return _refuse(409, "sale_not_live")
    if sale.sold + quantity > sale.quantity:
        return _refuse(409, "sold_out")
    held = await conn.scalar(
        select(PurchaseCounter.quantity).where(
            PurchaseCounter.sale_id == sale_id, PurchaseCounter.user_id == buyer
        )
    )
    if (held or 0) + quantity > sale.per_user_limit:
        return _refuse(409, "limit_exceeded")
    if held is None:
        await conn.execute(
            insert(PurchaseCounter).values(sale_id=sale_id, user_id=buyer, quantity=quantity)
        )
    else:
        await conn.execute(
            update(PurchaseCounter)
            .where(PurchaseCounter.sale_id == sale_id, PurchaseCounter.user_id == buyer)
            .values(quantity=PurchaseCounter.quantity + quantity)
        )
    order_id = await conn.scalar(
        insert(Order)
        .values(
            buyer_id=buyer,
            room_id=sale.room_id,
            product_id=sale.product_id,
            sale_id=sale_id,
            quantity=quantity,
            unit_price_cents=sale.price_cents,
            status="pending_payment",
            idempotency_key=key,
            created_at=now,
            # Same 15 minutes to pay as the real path; an order that expired at once
            # would hand its units back (the real node's expiry loop shares this database).
            expires_at=now + timedelta(minutes=15),
        )
        .returning(Order.id)
    )
    await conn.execute(
        update(FlashSale).where(FlashSale.id == sale_id).values(sold=FlashSale.sold + quantity)
    )
    return JSONResponse({"id": order_id}, status_code=201)


def locking_app(database_url: str, secret_key: str) -> FastAPI:
    app = FastAPI()
    engine = create_async_engine(database_url, pool_size=20, max_overflow=20)
    tokens = TokenSigner(secret_key, ttl_seconds=3600)

    @app.post("/api/sales/{sale_id}/orders")
    async def order(sale_id: int, request: Request) -> Any:
        principal = _principal(tokens, request)
        if principal is None:
            return _refuse(401, "not_authenticated")
        quantity = int((await request.json())["quantity"])
        key = request.headers.get("idempotency-key", "")
        async with engine.begin() as conn:
            return await _locked_order(conn, sale_id, principal.user_id, quantity, key)

    return app


def noop_app(secret_key: str) -> FastAPI:
    app = FastAPI()
    tokens = TokenSigner(secret_key, ttl_seconds=3600)

    @app.post("/api/sales/{sale_id}/orders")
    async def order(sale_id: int, request: Request) -> Any:
        await request.json()
        if _principal(tokens, request) is None:
            return _refuse(401, "not_authenticated")
        return _refuse(409, "noop")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["locking", "noop"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--secret-key", required=True)
    args = parser.parse_args()
    app = (
        locking_app(args.database_url, args.secret_key)
        if args.kind == "locking"
        else noop_app(args.secret_key)
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
