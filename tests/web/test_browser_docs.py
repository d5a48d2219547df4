"""/docs and /redoc render with the network cut off: every asset comes from this server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def _offline(page: Page) -> list[str]:
    """Refuse every request that leaves 127.0.0.1, as a machine without internet would;
    the refused URLs are returned (as they happen) for the test to check."""
    refused: list[str] = []

    async def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            refused.append(url)
            await route.abort("internetdisconnected")

    await page.context.route("**/*", only_loopback)
    return refused


async def test_swagger_ui_renders_offline(browser: Browser, server: Server) -> None:
    """Swagger UI lists the API's operations, shows the Authorize button of its security
    schemes, and asks nothing of the internet."""
    context, page = await new_page(browser, server)
    refused = await _offline(page)
    await page.goto("/docs")
    operations = page.locator(".opblock")
    await expect(operations.first).to_be_visible(timeout=15_000)
    # Swagger UI draws only the operations near the viewport; the page's own store holds
    # every operation it loaded from the vendored bundle's parse of /openapi.json.
    assert await page.evaluate("ui.specSelectors.operations().size") > 20
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/auth/signup").first
    ).to_be_visible()
    await expect(page.locator(".btn.authorize")).to_be_visible()
    await shot(page, "docs-swagger-offline", full_page=False)
    assert refused == []
    await context.close()


async def test_redoc_renders_offline(browser: Browser, server: Server) -> None:
    """ReDoc shows the operations and their authorizations without any CDN."""
    context, page = await new_page(browser, server)
    refused = await _offline(page)
    await page.goto("/redoc")
    operation = page.locator("h2", has_text="Signup").first
    await expect(operation).to_be_visible(timeout=60_000)
    await expect(page.get_by_role("menuitem", name="orders", exact=True)).to_be_visible()
    assert await page.locator("h2 a[href*='/operation/']").count() > 20
    await expect(page.get_by_role("heading", name="Authorizations:").first).to_be_visible()
    await shot(page, "docs-redoc-offline", full_page=False)
    assert refused == []
    await context.close()
