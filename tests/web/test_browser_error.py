"""Error pages in the browser: a missing room is a friendly 404 page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def test_missing_room_page(browser: Browser, server: Server) -> None:
    """An unknown room shows the 404 page with the error message and a way home."""
    context, page = await new_page(browser, server, phone=True)
    response = await page.goto("/rooms/424242")
    assert response is not None and response.status == 404
    await expect(page.get_by_test_id("error-message")).to_contain_text("room 424242 not found")
    await shot(page, "error-404")
    await page.get_by_role("link").click()
    await expect(page.get_by_test_id("live-now")).to_be_visible()
    await context.close()
