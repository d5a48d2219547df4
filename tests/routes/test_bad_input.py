"""Malformed input anywhere in a request is a 4xx with the error shape, and changes nothing.

Each case here was a 500 once: a value the parsers accept (a header byte, a NUL, a null,
a huge id, deep JSON) that failed later, in hmac, the database driver or ``json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.orders.payment import WebhookSigner
from tests.routes._live import serve, viewer
from tests.routes.test_orders import live_sale
from tests.users import Account, product, room, signup

NON_ASCII = "e30.sïgnatür€".encode()  # raw header bytes, read back as latin-1 text
DEEP = "[" * 20_000 + "]" * 20_000
WEBHOOK = "/api/payments/sandbox_webhook/webhook"


def raw(headers: Mapping[str, str | bytes]) -> dict[bytes, bytes]:
    """Headers as bytes, so a value can hold bytes no text header may."""
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in headers.items()}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> Account:
    return await signup(client, "maker", "merchant")


async def products_of(client: httpx.AsyncClient, shop: Account) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client.get("/api/products", headers=shop.headers)).json()[
        "products"
    ]
    return found


# --- tokens, cookies and CSRF tokens with non-ASCII characters ----------------------


async def test_non_ascii_bearer_token_is_401(client: httpx.AsyncClient) -> None:
    """A bearer token with non-ASCII bytes is a 401, on the API and the purchase path."""
    sale_id = await live_sale(client)
    auth = {"Authorization": b"Bearer " + NON_ASCII}
    assert_error(await client.get("/api/me", headers=raw(auth)), 401, "not_authenticated")
    buy = await client.post(
        f"/api/sales/{sale_id}/orders",
        json={"quantity": 1},
        headers=raw({**auth, "Idempotency-Key": "k"}),
    )
    assert_error(buy, 401, "not_authenticated")
    assert (await client.get(f"/api/sales/{sale_id}")).json()["remaining"] == 5


async def test_non_ascii_cookie_is_no_cookie(client: httpx.AsyncClient) -> None:
    """A session cookie with non-ASCII bytes: 401 on the API, an anonymous page."""
    cookie = {"Cookie": b"lc_session=" + NON_ASCII}
    assert_error(await client.get("/api/me", headers=raw(cookie)), 401, "not_authenticated")
    page = await client.get("/", headers=raw({**cookie, "Accept": "text/html"}))
    assert page.status_code == 200
    assert "/login" in page.text


async def test_non_ascii_csrf_token_is_403(client: httpx.AsyncClient, shop: Account) -> None:
    """A cookie write whose CSRF token has non-ASCII bytes is refused and stores nothing."""
    headers = raw({"Cookie": f"lc_session={shop.token}", "X-CSRF-Token": NON_ASCII})
    body = {"title": "Tea", "price_cents": 100, "stock": 1}
    assert_error(await client.post("/api/products", json=body, headers=headers), 403, "forbidden")
    assert await products_of(client, shop) == []
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    buy_headers = raw(
        {"Cookie": f"lc_session={buyer.token}", "X-CSRF-Token": NON_ASCII, "Idempotency-Key": "k"}
    )
    buy = await client.post(f"/api/sales/{sale_id}/orders", json={}, headers=buy_headers)
    assert_error(buy, 403, "forbidden")


# --- X-Request-ID that is not UTF-8 ---------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/api/rooms", "/", "/api/products/1"])
async def test_request_id_not_utf8_is_400(client: httpx.AsyncClient, path: str) -> None:
    """An X-Request-ID that is not UTF-8 is a 400 with a fresh request id, on any path."""
    response = await client.get(path, headers=raw({"X-Request-ID": b"\xff\xfe-id"}))
    assert_error(response, 400, "bad_request")
    assert len(response.headers["x-request-id"]) == 16


async def test_request_id_not_utf8_changes_nothing(client: httpx.AsyncClient) -> None:
    """A signup carrying a non-UTF-8 request id creates no account."""
    body = {"handle": "ann", "password": "correct horse", "display_name": "Ann"}
    headers = raw({"X-Request-ID": b"\xc3("})
    refused = await client.post("/api/auth/signup", json=body, headers=headers)
    assert_error(refused, 400, "bad_request")
    login = await client.post("/api/auth/login", json={"handle": "ann", "password": "x" * 8})
    assert_error(login, 401)


async def test_request_id_utf8_is_echoed(client: httpx.AsyncClient) -> None:
    """A UTF-8 request id is kept (cut to 64 characters) and sent back."""
    response = await client.get("/healthz", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-42"


# --- NUL characters in text the database stores ---------------------------------------


async def test_nul_in_product_title_is_422(client: httpx.AsyncClient, shop: Account) -> None:
    """A NUL in a product's title, description or image URL is refused, on create and edit."""
    for field in ("title", "description", "image_url"):
        body = {"title": "Tea", "price_cents": 100, "stock": 1, field: "/a\x00b"}
        created = await client.post("/api/products", json=body, headers=shop.headers)
        assert_error(created, 422, "invalid_input")
        assert "NUL" in created.json()["error"]["message"]
    assert await products_of(client, shop) == []
    pid = (await product(client, shop, "Tea"))["id"]
    patch = await client.patch(
        f"/api/products/{pid}", json={"title": "T\x00"}, headers=shop.headers
    )
    assert_error(patch, 422, "invalid_input")
    assert (await client.get(f"/api/products/{pid}")).json()["title"] == "Tea"


async def test_nul_in_room_title_or_host_is_422(client: httpx.AsyncClient, shop: Account) -> None:
    """A NUL in a room's title, cover or host handle is refused and schedules nothing."""
    host = await signup(client, "anna", "host")
    good = {"title": "Show", "host": host.handle, "scheduled_at": "2030-01-01T12:00:00Z"}
    for change in ({"title": "Sh\x00ow"}, {"host": "an\x00na"}, {"cover_url": "/c\x00"}):
        response = await client.post("/api/rooms", json={**good, **change}, headers=shop.headers)
        assert_error(response, 422, "invalid_input")
    mine = await client.get("/api/rooms/mine", headers=shop.headers)
    assert mine.json()["rooms"] == []


@pytest.mark.parametrize("field", ["handle", "display_name"])
async def test_nul_in_signup_is_422(client: httpx.AsyncClient, field: str) -> None:
    """A NUL in a handle or display name is refused at signup."""
    body = {"handle": "ann", "password": "correct horse", "display_name": "Ann"}
    response = await client.post("/api/auth/signup", json={**body, field: "a\x00nn"})
    assert_error(response, 422, "invalid_input")


async def test_nul_in_login_handle_is_422(client: httpx.AsyncClient) -> None:
    """Logging in with a NUL in the handle is invalid input, on the API and the form."""
    body = {"handle": "ann\x00", "password": "correct horse"}
    assert_error(await client.post("/api/auth/login", json=body), 422, "invalid_input")
    form = await client.get("/login")
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page = await client.post("/login", data={**body, "csrf_token": token})
    assert page.status_code == 422
    assert "Some values are not valid" in page.text  # the page shows error.invalid_input


# --- null where a product field must have a value ---------------------------------------


@pytest.mark.parametrize("field", ["title", "description", "image_url", "price_cents", "stock"])
async def test_patch_null_is_422(client: httpx.AsyncClient, shop: Account, field: str) -> None:
    """PATCH with a field set to null is refused and the product is unchanged."""
    before = await product(client, shop, "Tea", description="Green", stock=7)
    patch = await client.patch(
        f"/api/products/{before['id']}", json={field: None}, headers=shop.headers
    )
    assert_error(patch, 422, "invalid_input")
    assert field in patch.json()["error"]["message"]
    assert (await client.get(f"/api/products/{before['id']}")).json() == before


async def test_patch_schema_offers_no_null(app: FastAPI) -> None:
    """The OpenAPI schema does not offer null for a product edit's fields."""
    schema = app.openapi()["components"]["schemas"]["ProductPatch"]["properties"]
    assert all("anyOf" not in spec and spec.get("type") != "null" for spec in schema.values())


# --- ids no row can have ----------------------------------------------------------------

HUGE = [
    "2147483648",
    "99999999999",
    "9223372036854775808",
    "99999999999999999999999",
    "-99999999999",
]


@pytest.mark.parametrize("rid", HUGE)
async def test_huge_ids_are_404(client: httpx.AsyncClient, shop: Account, rid: str) -> None:
    """Ids past what the database holds are 404 on every kind of path, pages included."""
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    auth = {**buyer.headers, "Idempotency-Key": "k"}
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/rooms/{rid}", {}),
        ("GET", f"/api/rooms/{rid}/sales", {}),
        ("GET", f"/api/products/{rid}", {}),
        ("DELETE", f"/api/products/{rid}", shop.headers),
        ("GET", f"/api/sales/{rid}", {}),
        ("POST", f"/api/sales/{rid}/cancel", shop.headers),
        ("POST", f"/api/sales/{rid}/orders", auth),
        ("POST", f"/api/rooms/1/products/{rid}/orders", auth),
        ("GET", f"/api/orders/{rid}", buyer.headers),
        ("POST", f"/api/orders/{rid}/pay", buyer.headers),
        ("DELETE", f"/api/rooms/1/moderators/{rid}", shop.headers),
    ]
    for method, path, headers in requests:
        body = {"quantity": 1} if path.endswith("/orders") else None
        response = await client.request(method, path, headers=headers, json=body)
        assert_error(response, 404, "not_found")
    page = await client.get(f"/rooms/{rid}", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert (await client.get(f"/api/sales/{sale_id}")).json()["remaining"] == 5


async def test_huge_ids_in_bodies_are_422(client: httpx.AsyncClient, shop: Account) -> None:
    """Ids past what the database holds inside a body are invalid input."""
    host = await signup(client, "anna", "host")
    pid = (await product(client, shop, "Tea"))["id"]
    rid = (await room(client, shop, host, [pid]))["id"]
    big = 99999999999
    pin = await client.put(f"/api/rooms/{rid}/pin", json={"product_id": big}, headers=shop.headers)
    assert_error(pin, 422, "invalid_input")
    mod = await client.post(
        f"/api/rooms/{rid}/moderators", json={"user_id": big}, headers=shop.headers
    )
    assert_error(mod, 422, "invalid_input")
    body = {"title": "S", "host": big, "scheduled_at": "2030-01-01T12:00:00Z"}
    assert_error(await client.post("/api/rooms", json=body, headers=shop.headers), 422)
    body = {**body, "host": host.handle, "product_ids": [big]}
    assert_error(await client.post("/api/rooms", json=body, headers=shop.headers), 422)
    sale = {"product_id": big, "price_cents": 1, "quantity": 1}
    assert_error(await client.post(f"/api/rooms/{rid}/sales", json=sale, headers=shop.headers), 422)


# --- JSON nested thousands deep --------------------------------------------------------


async def test_deep_json_on_the_api_is_400(client: httpx.AsyncClient, shop: Account) -> None:
    """Deep JSON on an API body is a 400 and stores nothing."""
    headers = {**shop.headers, "Content-Type": "application/json"}
    for body in (DEEP, '{"title": ' + DEEP + "}"):
        response = await client.post("/api/products", content=body, headers=headers)
        assert_error(response, 400, "bad_request")
    assert await products_of(client, shop) == []


async def test_deep_json_on_the_purchase_path_is_400(client: httpx.AsyncClient) -> None:
    """Deep JSON on the purchase path is a 400 and buys nothing."""
    sale_id = await live_sale(client)
    buyer = await signup(client, "bob")
    headers = {**buyer.headers, "Idempotency-Key": "k", "Content-Type": "application/json"}
    for body in (DEEP, '{"quantity": ' + DEEP + "}"):
        response = await client.post(f"/api/sales/{sale_id}/orders", content=body, headers=headers)
        assert_error(response, 400, "bad_request")
    assert (await client.get(f"/api/sales/{sale_id}")).json()["remaining"] == 5
    assert (await client.get("/api/orders", headers=buyer.headers)).json()["orders"] == []


def signed(app: FastAPI, body: bytes) -> dict[str, str]:
    secret = app.state.resources.settings.secret_key
    return {"X-Livecommerce-Signature": WebhookSigner(secret, "sandbox_webhook").sign(body)}


async def test_deep_json_on_the_webhook_is_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A correctly signed webhook whose body is deep JSON is invalid input."""
    for text in (DEEP, '{"reference": ' + DEEP + "}"):
        body = text.encode()
        response = await client.post(WEBHOOK, content=body, headers=signed(app, body))
        assert_error(response, 422, "invalid_input")


async def test_nul_in_webhook_reference_is_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A signed webhook whose reference holds a NUL is invalid input."""
    body = json.dumps({"reference": "r\x00", "status": "succeeded"}).encode()
    response = await client.post(WEBHOOK, content=body, headers=signed(app, body))
    assert_error(response, 422, "invalid_input")


async def test_non_ascii_webhook_signature_is_401(client: httpx.AsyncClient) -> None:
    """A webhook signature header with non-ASCII bytes is not authenticated."""
    body = json.dumps({"reference": "r", "status": "succeeded"}).encode()
    now = int(time.time())
    for value in (b"t=%d,v1=" % now + NON_ASCII, b"t=%d,v1=\xe4" % now):
        headers = raw({"X-Livecommerce-Signature": value})
        response = await client.post(WEBHOOK, content=body, headers=headers)
        assert_error(response, 401, "not_authenticated")


@pytest.fixture
async def live_room(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[tuple[str, int]]:
    shop = await signup(client, "shop", "merchant")
    host = await signup(client, "anna", "host")
    rid = (await room(client, shop, host, [(await product(client, shop))["id"]]))["id"]
    async with serve(app) as base:
        yield base, rid


async def test_deep_json_in_a_socket_frame(live_room: tuple[str, int]) -> None:
    """A WebSocket frame of deep JSON gets an invalid_message error; the socket stays usable."""
    base, rid = live_room
    async with viewer(base, rid) as v:
        await v.socket.send("[" * 4000)
        await v.socket.send('{"type": "x", "data": ' + "[" * 4000 + "}")
        for _ in range(2):
            assert (await v.next("error"))["data"]["code"] == "invalid_message"
        await v.send("time.sync", {"client_time": 1})
        assert (await v.next("time.synced"))["data"]["client_time"] == 1


async def test_openapi_documents_the_error_shape(app: FastAPI) -> None:
    """The API's operations document the error shape, not FastAPI's validation error."""
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    answers = spec["paths"]["/api/rooms/{room_id}"]["get"]["responses"]
    for status in ("404", "422"):
        schema = answers[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}
