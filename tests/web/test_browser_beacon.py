"""The room page's funnel beacon in a real Chromium: the pinned card and the opened shelf
count as impressions, the buy button as a click, the buy sheet as a sheet open."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page
from tests.web.test_browser_room import make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    return {**server_env, "LIVECOMMERCE_ANALYTICS_FLUSH_SECONDS": "0.5"}


async def _metrics(server: Server, room_id: int, host_token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as api:
        answer = await api.get(
            f"/api/rooms/{room_id}/stats", headers={"Authorization": f"Bearer {host_token}"}
        )
    metrics: dict[str, Any] = answer.json()["metrics"]
    return metrics


async def test_room_page_reports_its_funnel(browser: Browser, server: Server) -> None:
    """Once per product per page view for impressions; every open for clicks and sheets."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    context, page = await new_page(browser, server)
    await page.goto(f"/rooms/{room_id}")
    await expect(page.get_by_test_id("pinned-card")).to_be_visible()
    await page.get_by_test_id("shelf-btn").click()
    await expect(page.get_by_test_id("shelf-item")).to_have_count(2)
    await page.get_by_test_id("shelf-buy").nth(1).click()
    await expect(page.locator("#buy-sheet")).to_be_visible()
    wanted = {"impressions": 2, "clicks": 1, "sheet_opens": 1, "views": 1}
    for _ in range(60):  # the page sends every 5 s, the node writes every 0.5 s
        metrics = await _metrics(server, room_id, show.host_token)
        if {k: metrics[k] for k in wanted} == wanted:
            break
        await asyncio.sleep(0.25)
    assert {k: metrics[k] for k in wanted} == wanted
    assert metrics["ctr"] == 0.5
    await context.close()
