"""Baselines for the coupon benchmark, served on the same box as the real node.

``locking``: the textbook claim. Every claim opens a transaction, locks the drop row
with ``SELECT ... FOR UPDATE``, checks what is left and the buyer's claims, writes the
claim row and commits. Same tokens (verified by signature), same tables, same endpoint
path as the real node.

``noop``: a FastAPI endpoint on the claim's path that only verifies the token and
answers; the ceiling of what a Python endpoint on this box does under the same load.

    python -m tests.bench.coupon_baseline locking --port 8801 --database-url ... --secret-key ...
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from livecommerce.accounts.tokens import TokenSigner
from livecommerce.errors import NotAuthenticated
from livecommerce.storage.models import CouponClaim, CouponDrop


def _refuse(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": code}}, status_code=status)


async def _locked_claim(conn: AsyncConnection, drop_id: int, buyer: int, key: str) -> JSONResponse:
    c = CouponClaim
    existing = await conn.scalar(
        select(c.id).where(c.drop_id == drop_id, c.user_id == buyer, c.idempotency_key == key)
    )
    if existing is not None:
        return JSONResponse({"id": existing, "user_id": buyer}, status_code=200)
    drop = (
        await conn.execute(select(CouponDrop).where(CouponDrop.id == drop_id).with_for_update())
    ).first()
    if drop is None:
        return _refuse(404, "not_found")
    if drop.quantity is not None and drop.claimed >= drop.quantity:
        return _refuse(409, "coupon_exhausted")
    held = await conn.scalar(
        select(func.count()).select_from(c).where(c.drop_id == drop_id, c.user_id == buyer)
    )
    if (held or 0) >= drop.per_buyer_limit:
        return _refuse(409, "coupon_limit_reached")
    now = datetime.now(UTC)
    claim_id = await conn.scalar(
        insert(c)
        .values(
            drop_id=drop_id, user_id=buyer, ordinal=(held or 0) + 1, idempotency_key=key,
            status="available", claimed_at=now, expires_at=now + timedelta(days=1),
        )
        .returning(c.id)
    )  # fmt: skip
    await conn.execute(
        update(CouponDrop).where(CouponDrop.id == drop_id).values(claimed=CouponDrop.claimed + 1)
    )
    return JSONResponse({"id": claim_id, "user_id": buyer}, status_code=201)


def locking_app(database_url: str, secret_key: str) -> FastAPI:
    app = FastAPI()
    engine = create_async_engine(database_url, pool_size=20, max_overflow=20)
    tokens = TokenSigner(secret_key, ttl_seconds=3600)

    @app.post("/api/coupons/drops/{drop_id}/claims")
    async def claim(drop_id: int, request: Request) -> Any:
        try:
            principal = tokens.verify(request.headers.get("authorization", "")[7:])
        except NotAuthenticated:
            return _refuse(401, "not_authenticated")
        key = request.headers.get("idempotency-key", "")
        async with engine.begin() as conn:
            return await _locked_claim(conn, drop_id, principal.user_id, key)

    return app


def noop_app(secret_key: str) -> FastAPI:
    app = FastAPI()
    tokens = TokenSigner(secret_key, ttl_seconds=3600)

    @app.post("/api/coupons/drops/{drop_id}/claims")
    async def claim(drop_id: int, request: Request) -> Any:
        try:
            tokens.verify(request.headers.get("authorization", "")[7:])
        except NotAuthenticated:
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
