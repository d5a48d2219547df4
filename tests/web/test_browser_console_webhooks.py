"""A merchant adds, inspects and deletes a webhook from the console in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_console import signup_merchant

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    """The receiver is on this machine, which the server refuses unless told."""
    return {**server_env, "LIVECOMMERCE_WEBHOOK_ALLOW_LOOPBACK": "true"}


async def test_console_webhooks(browser: Browser, server: Server) -> None:
    """The secret is shown once on adding; a bad URL is refused in the page's language;
    deliveries open per endpoint; deleting empties the list (English, then Chinese)."""
    context, page = await new_page(browser, server)
    page.on("dialog", lambda dialog: dialog.accept())
    await signup_merchant(page)
    await page.locator('nav.tabs a[href="#webhooks"]').click()
    section = page.get_by_test_id("console-webhooks")
    await expect(section).to_be_in_viewport()
    await expect(section.get_by_test_id("webhook-list")).to_have_text("No webhooks yet.")
    form = section.get_by_test_id("webhook-form")
    url = "http://127.0.0.1:9/hooks/reminders"
    await form.locator('input[name="url"]').fill(url)
    await form.locator('button[type="submit"]').click()
    message = section.get_by_test_id("webhook-message")
    await expect(message).to_contain_text("Signing secret (shown only now): whsec_")
    rows = section.get_by_test_id("webhook-row")
    await expect(rows).to_have_count(1)
    await expect(rows.get_by_test_id("webhook-url")).to_have_text(url)
    await rows.get_by_test_id("webhook-show-deliveries").click()
    await expect(rows.get_by_test_id("webhook-deliveries")).to_have_text("No deliveries yet.")
    await shot(page, "console-webhooks")

    await form.locator('input[name="url"]').fill("ftp://example.com/x")
    await form.locator('button[type="submit"]').click()
    await expect(message).not_to_contain_text("whsec_")
    await expect(message).to_have_class("form-message error")
    await expect(rows).to_have_count(1)

    await context.add_cookies([{"name": "lc_lang", "value": "zh", "url": server.url}])
    await page.reload()
    await expect(section).to_contain_text("Webhook 推送")
    await expect(rows.get_by_test_id("webhook-url")).to_have_text(url)
    await rows.get_by_test_id("webhook-delete").click()
    await expect(section.get_by_test_id("webhook-list")).to_have_text("还没有 Webhook。")
    await context.close()
