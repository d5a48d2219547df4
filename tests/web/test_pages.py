"""The HTML pages: status codes, redirects, what the first paint shows."""

from __future__ import annotations

import httpx
import pytest

from tests.users import product, room, signup
from tests.web.forms import HTML, csrf_field, page_signup


async def test_home_lists_live_and_upcoming(client: httpx.AsyncClient) -> None:
    """Home shows upcoming shows with a countdown target and live shows as room links."""
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anchor", "host")
    item = await product(client, merchant)
    upcoming = await room(client, merchant, host, [item["id"]])
    live = await room(client, merchant, host, [item["id"]])
    started = await client.post(f"/api/rooms/{live['id']}/start", headers=host.headers)
    assert started.status_code == 200
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200
    live_part, upcoming_part = page.text.split('data-testid="upcoming"')
    assert f'href="/rooms/{live["id"]}"' in live_part
    assert f'href="/rooms/{upcoming["id"]}"' in upcoming_part
    assert 'data-countdown-to="2030-01-01T12:00:00' in upcoming_part
    assert 'name="server-time"' in page.text


async def test_home_escapes_titles(client: httpx.AsyncClient) -> None:
    """A show title with markup is shown as text, never as HTML."""
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anchor", "host")
    payload = {"title": "<script>alert(1)</script>", "host": "anchor",
               "scheduled_at": "2030-01-01T12:00:00Z", "product_ids": []}  # fmt: skip
    made = await client.post("/api/rooms", json=payload, headers=merchant.headers)
    assert made.status_code == 201, made.text
    del host
    page = await client.get("/", headers=HTML)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_language_follows_cookie_then_browser(client: httpx.AsyncClient) -> None:
    """The lc_lang cookie picks the page language; without it a Chinese browser gets Chinese."""
    english = await client.get("/", headers=HTML)
    assert 'data-lang="en"' in english.text and "Live now" in english.text
    chinese = await client.get("/", headers={**HTML, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'data-lang="zh"' in chinese.text and "正在直播" in chinese.text
    client.cookies.set("lc_lang", "en")
    chosen = await client.get("/", headers={**HTML, "Accept-Language": "zh-CN"})
    assert 'data-lang="en"' in chosen.text


@pytest.mark.parametrize("path", ["/console", "/orders", "/studio"])
async def test_private_pages_need_login(client: httpx.AsyncClient, path: str) -> None:
    """A visitor opening a private page is sent to the login page and back afterwards."""
    response = await client.get(path, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_orders_page_for_buyer(client: httpx.AsyncClient) -> None:
    """A logged-in buyer gets the orders page, linked from the nav."""
    await page_signup(client, "buyer", "viewer")
    page = await client.get("/orders", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="orders"' in page.text
    assert 'href="/orders"' in page.text


async def test_console_refuses_viewers(client: httpx.AsyncClient) -> None:
    """A viewer sees a 403 page explaining the console is for merchants."""
    await page_signup(client, "buyer", "viewer")
    response = await client.get("/console", headers=HTML)
    assert response.status_code == 403
    assert 'data-testid="console-forbidden"' in response.text


async def test_console_for_merchant_carries_csrf(client: httpx.AsyncClient) -> None:
    """The merchant's console renders with a CSRF token the JSON API accepts."""
    await page_signup(client, "shop", "merchant")
    page = await client.get("/console", headers=HTML)
    assert page.status_code == 200
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    made = await client.post(
        "/api/products",
        json={"title": "Tea", "price_cents": 100, "stock": 1},
        headers={"X-CSRF-Token": token},
    )
    assert made.status_code == 201, made.text
    assert csrf_field(page.text)  # the logout form carries it too


async def test_room_page_embeds_detail(client: httpx.AsyncClient) -> None:
    """The room page renders the show and embeds its shelf for the scripts."""
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anchor", "host")
    item = await product(client, merchant, title="Jasmine tea")
    made = await room(client, merchant, host, [item["id"]])
    page = await client.get(f"/rooms/{made['id']}", headers=HTML)
    assert page.status_code == 200
    assert "Evening show" in page.text
    assert '"title": "Jasmine tea"' in page.text or '"title":"Jasmine tea"' in page.text


async def test_room_page_missing_is_404_page(client: httpx.AsyncClient) -> None:
    """An unknown room is an HTML 404 for a browser."""
    page = await client.get("/rooms/999", headers=HTML)
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


async def test_studio_only_for_room_managers(client: httpx.AsyncClient) -> None:
    """The host opens the studio; another user gets 403; a visitor is sent to log in."""
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anchor", "host")
    made = await room(client, merchant, host, [])
    path = f"/studio/{made['id']}"
    assert (await client.get(path, headers=HTML)).status_code == 303
    await page_signup(client, "stranger", "host")
    assert (await client.get(path, headers=HTML)).status_code == 403
    as_host = await client.get(path, headers={**HTML, **host.headers})
    assert as_host.status_code == 200
    assert 'data-testid="studio-page"' in as_host.text
    assert "Start the camera to broadcast" in as_host.text


async def test_studio_index_lists_my_shows(client: httpx.AsyncClient) -> None:
    """/studio lists the shows the caller hosts."""
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "anchor", "host")
    made = await room(client, merchant, host, [])
    page = await client.get("/studio", headers={**HTML, **host.headers})
    assert page.status_code == 200
    assert f'href="/studio/{made["id"]}"' in page.text


async def test_pages_send_security_headers(client: httpx.AsyncClient) -> None:
    """Pages forbid inline scripts and framing, and are never cached (they carry CSRF tokens)."""
    page = await client.get("/login", headers=HTML)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store"
