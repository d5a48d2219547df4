"""The live dashboard and the post-show report in real Chromium: a short show (viewers on
real room pages, a pin, a deal, orders, a payment, a cancel), its figures checked against
this test's own arithmetic, its charts drawn, and who may open the report."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.servers import Server
from tests.users import ADDRESS
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
DEAL_PRICE = 5990
# The ledger flushes every few seconds; the dashboard reads every 5 s.
SETTLE_MS = 30_000

# A canvas is drawn when some of its pixels are not transparent.
CANVASES_DRAWN = """(selector) => [...document.querySelectorAll(selector)].map((box) => {
  const canvas = box.querySelector('canvas');
  if (!canvas || !canvas.width) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
})"""


# What each chart plots, read back from ECharts itself (the page's own module instance):
# per series its name, its values and the labels of its annotation lines.
CHART_DATA = """async (selector) => {
  const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
  return [...document.querySelectorAll(selector)].map((node) => {
    const option = echarts.getInstanceByDom(node).getOption();
    return option.series.map((s) => ({
      name: s.name, data: s.data,
      marks: (s.markLine?.data ?? []).map((d) => d.label.formatter),
    }));
  });
}"""


# Elements of a section that stick out of it (the console's own width is not ours to judge).
OVERFLOWING = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [...document.querySelectorAll(selector + ' *')]
    .filter((e) => e.getBoundingClientRect().right > box.right + 1 && !e.closest('.dash-products'))
    .map((e) => e.tagName + '.' + e.className).slice(0, 5);
}"""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def start_deal(
    api: httpx.AsyncClient, merchant: str, room_id: int, product: int, *, countdown: int = 0
) -> int:
    deal = {"product_id": product, "price_cents": DEAL_PRICE, "quantity": 20,
            "per_user_limit": 3, "countdown_seconds": countdown,
            "duration_seconds": 600}  # fmt: skip
    made = await api.post(f"/api/rooms/{room_id}/sales", json=deal, headers=auth(merchant))
    assert made.status_code == 201, made.text
    sale_id: int = made.json()["id"]
    return sale_id


async def order(api: httpx.AsyncClient, token: str, sale_id: int, quantity: int) -> dict[str, Any]:
    placed = await api.post(
        f"/api/sales/{sale_id}/orders", json={"quantity": quantity},
        headers={**auth(token), "Idempotency-Key": f"k-{token[-6:]}-{quantity}"},
    )  # fmt: skip
    assert placed.status_code in (200, 201), placed.text
    body: dict[str, Any] = placed.json()
    return body


async def card(page: Page, key: str) -> str:
    return (await page.get_by_test_id(f"dash-{key}").locator(".dash-value").inner_text()).strip()


async def assert_charts_drawn(page: Page, selector: str, count: int) -> None:
    painted = await page.evaluate(CANVASES_DRAWN, selector)
    assert len(painted) == count and all(p > 500 for p in painted), painted


async def chart_data(page: Page, selector: str) -> list[list[dict[str, Any]]]:
    charts: list[list[dict[str, Any]]] = await page.evaluate(CHART_DATA, selector)
    return charts


async def assert_minute_charts(page: Page, selector: str, gross: int, viewers: int) -> None:
    """The three per-minute charts plot this show: peak viewers, 2 orders, the gross GMV,
    each under the pin's and the deal's marks (the deal's start reaches the ledger with
    the node's next flush, orders with their own transactions: waits for both)."""
    for _ in range(SETTLE_MS // 1000):
        (viewer_series,), (order_series,), (gmv_series,) = await chart_data(page, selector)
        every = (viewer_series, order_series, gmv_series)
        marked = all("⚡" in "".join(s["marks"]) for s in every)
        if marked and max(viewer_series["data"]) >= viewers:
            break
        await asyncio.sleep(1)
    assert max(viewer_series["data"]) >= viewers, viewer_series
    assert sum(order_series["data"]) == 2, order_series
    assert sum(gmv_series["data"]) == gross, gmv_series
    for series in every:
        marks = "".join(series["marks"])
        assert "📌" in marks and "⚡" in marks, series["marks"]


async def test_dashboard_and_report(browser: Browser, server: Server) -> None:
    """Live figures and the report match the orders placed, paid and cancelled."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    tea = show.room_products[0]
    async with httpx.AsyncClient(base_url=server.url) as api:
        login_answer = await api.post(
            "/api/auth/login", json={"handle": "teashop", "password": "correct horse"}
        )
        merchant = login_answer.json()["token"]
        mei = await api_signup(api, "mei", "viewer", "Mei 小美")
        lei = await api_signup(api, "lei", "viewer", "Lei 小雷")

        viewers = []
        for handle in ("mei", "lei"):
            context, room = await new_page(browser, server, phone=True)
            await login(room, handle, f"/rooms/{room_id}")
            await expect(room.get_by_test_id("room-status")).to_have_text("LIVE")
            viewers.append(context)

        host_context, studio = await new_page(browser, server)
        await login(studio, "anchor", f"/studio/{room_id}")
        # The host pins the second product from the studio, then the merchant starts a deal.
        await studio.get_by_test_id("studio-shelf").get_by_test_id("pin-btn").nth(1).click()
        sale_id = await start_deal(api, merchant, room_id, tea)
        # A second deal is set for after the show: ending the show cancels it.
        await start_deal(api, merchant, room_id, show.room_products[1], countdown=3600)

        # Mei buys two and pays; Lei buys one and cancels.
        paid = await order(api, mei, sale_id, 2)
        assert (await api.post("/api/me/addresses", json=ADDRESS, headers=auth(mei))).is_success
        payment = await api.post(f"/api/orders/{paid['id']}/pay", headers=auth(mei))
        assert payment.json()["status"] == "paid", payment.text
        cancelled = await order(api, lei, sale_id, 1)
        cancel = await api.post(f"/api/orders/{cancelled['id']}/cancel", headers=auth(lei))
        assert cancel.is_success, cancel.text

        gross = 3 * DEAL_PRICE
        net = 2 * DEAL_PRICE

        dashboard = studio.get_by_test_id("dashboard")
        await expect(studio.get_by_test_id("dash-orders")).to_have_attribute(
            "data-value", "2", timeout=SETTLE_MS
        )
        await expect(studio.get_by_test_id("dash-gmv_gross")).to_have_attribute(
            "data-value", str(gross), timeout=SETTLE_MS
        )
        assert await card(studio, "gmv_gross") == "¥179.70"
        assert await card(studio, "gmv_net") == "¥119.80"
        assert await card(studio, "orders") == "2"
        assert await card(studio, "buyers") == "2"
        assert await card(studio, "aov") == "¥89.85"
        assert await card(studio, "unpaid_rate") == "50%"
        unique_card = studio.get_by_test_id("dash-viewers_unique")
        unique = int(await unique_card.get_attribute("data-value") or 0)
        assert unique >= 2
        assert await card(studio, "conversion") == f"{round(2 / unique * 100, 1):g}%"
        products = dashboard.get_by_test_id("dash-product")
        tea_row = products.filter(has_text="Longjing")
        await expect(tea_row.locator('[data-col="orders"]')).to_have_text("2")
        await expect(tea_row.locator('[data-col="gmv"]')).to_have_text("¥179.70")
        await assert_charts_drawn(studio, "#dashboard .dash-chart", 3)
        await assert_minute_charts(studio, "#dashboard .dash-chart", gross, viewers=2)
        await dashboard.scroll_into_view_if_needed()
        await shot(studio, "dashboard-studio-desktop")

        # The merchant's console on a phone shows the same show's dashboard.
        console_context, console = await new_page(browser, server, phone=True)
        await login(console, "teashop", "/console")
        await console.get_by_test_id("room-dashboard").click()
        await expect(console.get_by_test_id("dash-orders")).to_have_attribute(
            "data-value", "2", timeout=SETTLE_MS
        )
        await assert_charts_drawn(console, "#dashboard-body .dash-chart", 3)
        await assert_minute_charts(console, "#dashboard-body .dash-chart", gross, viewers=2)
        assert await console.evaluate(OVERFLOWING, "#dashboard") == []
        await console.get_by_test_id("console-dashboard").scroll_into_view_if_needed()
        await shot(console, "dashboard-console-phone", full_page=False)

        ended = await api.post(f"/api/rooms/{room_id}/end", headers=auth(show.host_token))
        assert ended.is_success
        await expect(studio.get_by_test_id("studio-report")).to_be_visible()
        await studio.get_by_test_id("studio-report").click()
        await studio.wait_for_url(f"**/console/rooms/{room_id}/report")
        await check_report(studio, gross, net)
        await shot(studio, "report-desktop")
        await console.goto(f"/console/rooms/{room_id}/report")
        await check_report(console, gross, net)
        await shot(console, "report-phone")
        assert await console.evaluate(OVERFLOWING, "main") == []
        csv = await api.get(f"/api/rooms/{room_id}/stats/products.csv", headers=auth(merchant))
        assert "Longjing" in csv.text

        for context in (*viewers, host_context, console_context):
            await context.close()


async def check_report(page: Page, gross: int, net: int) -> None:
    report = page.get_by_test_id("report")
    await expect(report).to_have_attribute("data-drawn", "true")
    assert await card(page, "gmv_gross") == "¥179.70"
    assert await card(page, "gmv_net") == "¥119.80"
    assert await card(page, "orders") == "2"
    assert await card(page, "buyers") == "2"
    assert await page.get_by_test_id("dash-gmv_gross").get_attribute("data-value") == str(gross)
    assert await page.get_by_test_id("dash-gmv_net").get_attribute("data-value") == str(net)
    kinds = await page.get_by_test_id("timeline-row").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.kind)"
    )
    assert "product.pinned" in kinds and "sale.started" in kinds, kinds
    await expect(page.get_by_test_id("timeline")).to_contain_text("Celadon tea cup")
    await assert_charts_drawn(page, "[data-testid=timeline-chart], #minute-charts .dash-chart", 4)
    await assert_minute_charts(page, "#minute-charts .dash-chart", gross, viewers=2)
    # The timeline: GMV bars under the labelled marks of the pin and the deal.
    ((gmv_bars, viewer_line),) = await chart_data(page, "[data-testid=timeline-chart]")
    assert sum(gmv_bars["data"]) == gross and max(viewer_line["data"]) >= 2
    labels = "\n".join(gmv_bars["marks"])
    # Labels keep the first 14 characters of a title (dashboard-charts.js).
    assert "📌 Celadon tea cu\n" in labels and "⚡ deal\n" in labels, labels
    # Ending the show ended its deal, and the report (opened at once) has that mark too.
    assert "■ deal ends" in labels, labels
    # The deal set for after the show never began: it is marked as cancelled, not ended.
    assert "✕ deal cancelled" in labels, labels
    cancelled_row = page.get_by_test_id("timeline-row").and_(
        page.locator("[data-kind='sale.cancelled']")
    )
    await expect(cancelled_row).to_contain_text("Deal cancelled: Celadon tea cup")
    # Nothing was bought after the show: the post-live block stands apart, empty.
    await expect(page.get_by_test_id("post-orders")).to_have_attribute("data-value", "0")


async def test_report_is_only_for_the_show_team(browser: Browser, server: Server) -> None:
    """Another merchant and a viewer get the 403 page; a visitor is sent to log in."""
    show = await make_show(server, live=False)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        await api_signup(api, "other_shop", "merchant", "Other")
        await api_signup(api, "mei", "viewer", "Mei")
    for handle in ("other_shop", "mei"):
        context, page = await new_page(browser, server)
        await login(page, handle, "/")
        answer = await page.goto(f"/console/rooms/{room_id}/report")
        assert answer is not None and answer.status == 403
        await expect(page.get_by_test_id("error-message")).to_have_attribute(
            "data-code", "forbidden"
        )
        await context.close()
    context, page = await new_page(browser, server)
    await page.goto(f"/console/rooms/{room_id}/report")
    assert "/login?next=" in page.url
    await context.close()
