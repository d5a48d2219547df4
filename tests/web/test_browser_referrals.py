"""Sharing in a real Chromium: a promoter takes a room link, a visitor arrives through it
in another browser profile, signs up, buys and pays; the promoter's "My promotions" and
the merchant's console show the pending commission."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from livecommerce.routes.deps import SESSION_COOKIE
from tests.servers import Server
from tests.users import ADDRESS, product, room, signup
from tests.web.conftest import new_page, shot, shot_path
from tests.web.test_browser_orders import as_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


async def test_promoter_link_visitor_signs_up_buys_and_commission_shows(
    browser: Browser, server: Server
) -> None:
    """Link -> anonymous visit -> signup binds -> paid order -> pending commission."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        shop = await signup(api, "teashop", "merchant")
        host = await signup(api, "anchor", "host")
        pid = (await product(api, shop, "Longjing tea", stock=10))["id"]
        rid = (await room(api, shop, host, [pid]))["id"]
        promoter = await signup(api, "promo")
        rules = {"rate_bp": 1000, "window_days": 7}
        put = await api.put("/api/merchant/referral-settings", json=rules, headers=shop.headers)
        assert put.status_code == 200, put.text

    promo_ctx, promo_page = await as_user(browser, server, promoter, "en")
    await promo_page.goto(f"/rooms/{rid}")
    await promo_page.get_by_test_id("share-button").click()
    url_box = promo_page.get_by_test_id("share-url")
    await promo_page.wait_for_function(
        "() => document.getElementById('share-url').value.includes('?ref=')"
    )
    link = await url_box.input_value()
    await shot(promo_page, "referral-promoter-link")

    visitor_ctx, visitor = await new_page(browser, server)
    await visitor.goto(link.removeprefix(server.url))
    html = await visitor.content()
    assert 'property="og:title" content="Evening show"' in html
    assert 'name="twitter:card"' in html
    await visitor.goto(f"/signup?next=/rooms/{rid}")
    await visitor.fill("input[name=handle]", "newbuyer")
    await visitor.fill("input[name=display_name]", "New Buyer")
    await visitor.fill("input[name=password]", "correct horse")
    await visitor.locator("form button[type=submit]").click()
    await visitor.wait_for_url(f"**/rooms/{rid}")
    cookies = {c["name"]: c["value"] for c in await visitor_ctx.cookies()}
    assert "lc_ref" not in cookies, "the waiting code was used at signup"
    token = cookies[SESSION_COOKIE]

    async with httpx.AsyncClient(base_url=server.url) as api:
        bearer = {"Authorization": f"Bearer {token}"}
        assert (
            await api.post("/api/me/addresses", json=ADDRESS, headers=bearer)
        ).status_code == 201
        placed = await api.post(f"/api/rooms/{rid}/products/{pid}/orders", json={"quantity": 2},
                                headers={**bearer, "Idempotency-Key": "k1"})  # fmt: skip
        assert placed.status_code == 201, placed.text
        paid = await api.post(f"/api/orders/{placed.json()['id']}/pay", json={}, headers=bearer)
        assert paid.json()["status"] == "paid", paid.text

    await promo_page.goto("/promotions")
    row = promo_page.get_by_test_id("promo-commission")
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("promo-commission-status")).to_have_text("Pending")
    await expect(promo_page.get_by_test_id("promo-pending")).to_have_text("¥3.99")
    await expect(promo_page.get_by_test_id("promo-link-clicks")).to_have_text("1 visits")
    await shot(promo_page, "referral-my-promotions")

    shop_ctx, console = await as_user(browser, server, shop, "en")
    await console.goto("/console#promoters")
    promoter_row = console.get_by_test_id("promoter-row")
    await expect(promoter_row.get_by_test_id("promoter-pending")).to_have_text("¥3.99")
    await console.get_by_test_id("promoters").screenshot(
        path=str(await shot_path("referral-console"))
    )
    for ctx in (promo_ctx, visitor_ctx, shop_ctx):
        await ctx.close()
