"""Tests for livecommerce.routes.limits: bodies over the limit, with or without a length."""

from __future__ import annotations

import asyncio
import json
import select
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.routes._live import serve
from tests.routes.test_orders import live_sale
from tests.users import signup

CHUNK = 64 * 1024
TEN_MB = 10 * 1024 * 1024


class Upload:
    """A body sent in chunks without a Content-Length, counting what was read of it."""

    def __init__(self, total: int = TEN_MB, prefix: bytes = b'{"title": "') -> None:
        self.total, self.prefix, self.sent = total, prefix, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.prefix
        self.sent += len(self.prefix)
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"x" * CHUNK


def limit(app: FastAPI) -> int:
    max_bytes: int = app.state.resources.settings.max_request_bytes
    return max_bytes


@pytest.mark.parametrize(
    "path", ["/api/products", "/api/auth/signup", "/api/payments/sandbox_webhook/webhook"]
)
async def test_chunked_body_stops_at_the_limit(
    app: FastAPI, client: httpx.AsyncClient, path: str
) -> None:
    """A 10 MB body without a length is read only up to the limit and answered 413."""
    shop = await signup(client, "shop", "merchant")
    upload = Upload()
    headers = {**shop.headers, "Content-Type": "application/json"}
    response = await client.post(path, content=upload, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "too_large"
    assert upload.sent <= limit(app) + CHUNK
    assert (await client.get("/api/products", headers=shop.headers)).json()["products"] == []


async def test_chunked_purchase_stops_at_the_limit(app: FastAPI, client: httpx.AsyncClient) -> None:
    """The purchase path (its own body reader) also stops at the limit, and buys nothing."""
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    upload = Upload(prefix=b'{"quantity": 1, "x": "')
    headers = {**buyer.headers, "Idempotency-Key": "k", "Content-Type": "application/json"}
    response = await client.post(f"/api/sales/{sale_id}/orders", content=upload, headers=headers)
    assert response.status_code == 413, response.text
    assert upload.sent <= limit(app) + CHUNK
    assert (await client.get(f"/api/sales/{sale_id}")).json()["remaining"] == 5


async def test_chunked_body_under_the_limit_is_read(client: httpx.AsyncClient) -> None:
    """A body without a length under the limit is served as usual."""
    shop = await signup(client, "shop", "merchant")
    body = json.dumps({"title": "Tea", "price_cents": 100, "stock": 1}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 7):
            yield body[i : i + 7]

    headers = {**shop.headers, "Content-Type": "application/json"}
    response = await client.post("/api/products", content=chunks(), headers=headers)
    assert response.status_code == 201, response.text


async def test_chunked_body_over_a_real_connection(app: FastAPI) -> None:
    """Over HTTP/1.1 chunked encoding, uvicorn's answer is a 413 before the body ends."""
    head = (
        b"POST /api/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    async with serve(app) as base:
        host, port = base.removeprefix("ws://").split(":")
        answer = await asyncio.to_thread(_send_chunked, host, int(port), head)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"connection: close" in answer.lower()


def _send_chunked(host: str, port: int, head: bytes) -> bytes:
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(head)
        for _ in range(TEN_MB // CHUNK):
            # Stop sending once the answer is there: the server no longer reads the body.
            if select.select([conn], [], [], 0)[0]:
                break
            try:
                conn.sendall(chunk)
            except OSError:  # closed by the server after its answer
                break
        return conn.recv(65536)
