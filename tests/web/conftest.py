"""Browser fixtures: a real server process and the system Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright, expect

from tests.servers import Server, running

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A fake camera lets the studio page open "the camera" in a headless browser.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught script errors of every page the test opened; the browser fixture fails on any."""
    return []


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    with running(server_env, tmp_path) as started:
        yield started


@pytest.fixture
def chromium() -> str:
    """The system Chromium; a missing one skips locally and fails in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str, page_errors: list[str]) -> AsyncIterator[Browser]:
    # CI's box runs three workers, each with a server and a Chromium, on two cores: a page
    # may take longer than Playwright's 5 s default to show what it will show.
    expect.set_options(timeout=10_000)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # Every page of every context reports its uncaught errors here.
        _ERRORS[id(launched)] = page_errors
        try:
            yield launched
        finally:
            _ERRORS.pop(id(launched), None)
            await launched.close()
    assert page_errors == [], f"script errors in the pages: {page_errors}"


_ERRORS: dict[int, list[str]] = {}


async def new_page(
    browser: Browser, server: Server, *, phone: bool = False, lang: str = "en"
) -> tuple[BrowserContext, Page]:
    """A fresh browser profile (its own cookies) on ``server``."""
    locale = "zh-CN" if lang == "zh" else "en-US"
    options: dict[str, object] = {"base_url": server.url, "locale": locale}
    if phone:
        options.update(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    else:
        options.update(viewport={"width": 1280, "height": 860})
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    errors = _ERRORS.setdefault(id(browser), [])
    context.on("page", lambda opened: opened.on("pageerror", lambda exc: errors.append(str(exc))))
    page = await context.new_page()
    return context, page


async def slowly(route: Route) -> None:
    """A ``page.route`` handler: the real server answers, 1.5 s late (a slow network)."""
    await asyncio.sleep(1.5)
    await route.continue_()


async def shot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot in tests/artifacts/ (gitignored) for a person to look at."""
    path = await shot_path(name)
    await page.screenshot(path=str(path), full_page=full_page)
    return path
