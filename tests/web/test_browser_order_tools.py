"""The address book in the buy sheet, and the console's order filters, export and bulk
shipping, in a real Chromium."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.servers import Server
from tests.web.conftest import new_page, shot
from tests.web.test_browser_room import api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
HOME: dict[str, object] = {
    "name": "Mei Han",
    "phone": "13812345678",
    "region": "Shanghai",
    "detail": "1 Nanjing Rd",
}
WORK: dict[str, object] = {**HOME, "detail": "9 Office Park", "is_default": False}


async def deal(server: Server) -> tuple[int, int]:
    """A live show with a live flash deal on its pinned product: (room id, sale id)."""
    show = await make_show(server, live=True)
    async with httpx.AsyncClient(base_url=server.url) as api:
        body = {"product_id": show.room_products[0], "price_cents": 5990, "quantity": 20,
                "per_user_limit": 5, "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        host = {"Authorization": f"Bearer {show.host_token}"}
        made = await api.post(f"/api/rooms/{show.room['id']}/sales", json=body, headers=host)
        assert made.status_code == 201, made.text
    return show.room["id"], made.json()["id"]


async def buyer(server: Server, handle: str, *addresses: dict[str, object]) -> str:
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = await api_signup(api, handle, "viewer", handle.title())
        for fields in addresses:
            added = await api.post("/api/me/addresses", json=fields,
                                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert added.status_code == 201, added.text
    return token


async def order_address(server: Server, token: str, order_id: int) -> str:
    async with httpx.AsyncClient(base_url=server.url) as api:
        got = await api.get(f"/api/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})
    detail: str = got.json()["address"]["detail"]
    return detail


async def open_sheet(page: Page, room_id: int) -> Locator:
    await page.goto(f"/rooms/{room_id}")
    await page.get_by_test_id("sale-banner").click()
    sheet = page.get_by_test_id("buy-sheet")
    await expect(sheet.get_by_test_id("buy-address")).to_be_visible()
    return sheet


async def test_buy_sheet_ships_to_the_default_or_the_address_picked(
    browser: Browser, server: Server
) -> None:
    """The default is picked already; "Change" picks another; the order keeps the one paid with."""
    room_id, _ = await deal(server)
    token = await buyer(server, "mei", HOME, WORK)
    context, page = await new_page(browser, server, phone=True)
    await login(page, "mei", f"/rooms/{room_id}")
    sheet = await open_sheet(page, room_id)
    chosen = sheet.get_by_test_id("address-chosen")
    await expect(chosen).to_contain_text("1 Nanjing Rd")
    await expect(chosen).to_contain_text("13812345678")  # the buyer sees their own number
    await sheet.get_by_test_id("buy-confirm").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Ordered!")
    await sheet.get_by_test_id("address-change").click()
    await expect(sheet.get_by_test_id("address-option")).to_have_count(2)
    await shot(page, "buy-sheet-addresses", full_page=False)
    await sheet.get_by_test_id("address-option").filter(has_text="Office Park").click()
    await expect(chosen).to_contain_text("9 Office Park")
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Paid")
    order_id = int(
        (await page.evaluate("fetch('/api/orders').then(r => r.json())"))["orders"][0]["id"]
    )
    assert await order_address(server, token, order_id) == "9 Office Park"
    await context.close()


async def test_buy_sheet_asks_a_buyer_without_an_address_for_one(
    browser: Browser, server: Server
) -> None:
    """No address: the sheet shows the form, paying first is refused by code, then it pays."""
    room_id, _ = await deal(server)
    token = await buyer(server, "lei")
    context, page = await new_page(browser, server, lang="zh")
    await login(page, "lei", f"/rooms/{room_id}")
    sheet = await open_sheet(page, room_id)
    await expect(sheet.get_by_test_id("address-save")).to_be_visible()
    await sheet.get_by_test_id("buy-confirm").click()
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("address-message")).to_contain_text("请先添加收货地址")
    for name, value in HOME.items():
        await sheet.get_by_test_id(f"address-{name}").fill(str(value))
    await shot(page, "buy-sheet-new-address-zh", full_page=False)
    await sheet.get_by_test_id("address-save").click()
    await expect(sheet.get_by_test_id("address-chosen")).to_contain_text("1 Nanjing Rd")
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("支付成功")
    order_id = int(
        (await page.evaluate("fetch('/api/orders').then(r => r.json())"))["orders"][0]["id"]
    )
    assert await order_address(server, token, order_id) == "1 Nanjing Rd"
    await context.close()


async def test_a_stock_update_while_typing_keeps_the_address_field_focused(
    browser: Browser, server: Server
) -> None:
    """Another buyer's order redraws the sheet mid-typing: the field keeps the focus (on a
    phone, the keyboard stays up) and every key typed lands in it."""
    room_id, sale_id = await deal(server)
    await buyer(server, "lei")
    context, page = await new_page(browser, server, phone=True)
    await login(page, "lei", f"/rooms/{room_id}")
    sheet = await open_sheet(page, room_id)
    name = sheet.get_by_test_id("address-name")
    await name.click()
    await page.keyboard.type("Mei")
    other = await buyer(server, "fan")
    async with httpx.AsyncClient(base_url=server.url) as api:
        headers = {"Authorization": f"Bearer {other}", "Idempotency-Key": "o"}
        path = f"/api/sales/{sale_id}/orders"
        placed = await api.post(path, json={"quantity": 1}, headers=headers)
        assert placed.status_code == 201, placed.text
    await expect(sheet).to_contain_text("19 left")
    await page.keyboard.type(" Han")
    await expect(name).to_have_value("Mei Han")
    await expect(name).to_be_focused()
    await context.close()


async def paid_orders(server: Server, room_id: int, sale_id: int, count: int) -> list[int]:
    """``count`` buyers each with one paid order of the deal."""
    found = []
    async with httpx.AsyncClient(base_url=server.url) as api:
        for i in range(count):
            token = await buyer(server, f"fan{i}", {**HOME, "phone": f"1390000{i:04d}"})
            headers = {"Authorization": f"Bearer {token}"}
            placed = await api.post(f"/api/sales/{sale_id}/orders", json={"quantity": 1},
                                    headers={**headers, "Idempotency-Key": f"k{i}"})  # fmt: skip
            assert placed.status_code == 201, placed.text
            found.append(placed.json()["id"])
            if i > 0:  # the first stays unpaid
                paid = await api.post(f"/api/orders/{found[-1]}/pay", headers=headers)
                assert paid.status_code == 200, paid.text
    return found


async def test_console_filters_exports_and_ships_from_a_file(
    browser: Browser, server: Server, tmp_path: object
) -> None:
    """The merchant filters by status and searches; the export link carries the filter;
    a file with a bad row ships nothing and names the row; a good file ships."""
    room_id, sale_id = await deal(server)
    unpaid, first, second = await paid_orders(server, room_id, sale_id, 3)
    context, page = await new_page(browser, server)
    await login(page, "teashop", "/console")
    rows = page.get_by_test_id("order-row")
    await expect(rows).to_have_count(3)
    await expect(page.get_by_test_id("order-address").first).to_contain_text("139****0002")
    filters = page.get_by_test_id("order-filters")
    await filters.locator('select[name="status"]').select_option("paid")
    await filters.get_by_test_id("order-filter-apply").click()
    await expect(rows).to_have_count(2)
    await expect(page.get_by_test_id("order-count")).to_have_text("2 of 2 orders")
    href = await page.get_by_test_id("export-orders").get_attribute("href")
    assert href is not None and "status=paid" in href
    async with page.expect_download() as downloading:
        await page.get_by_test_id("export-orders").click()
    exported = await (await downloading.value).path()
    lines = exported.read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and "139****0001" in lines[-1]
    await filters.locator('input[name="q"]').fill(f"#{first}")
    await filters.get_by_test_id("order-filter-apply").click()
    await expect(rows).to_have_count(1)
    await filters.locator('input[name="q"]').fill("")
    await filters.locator('select[name="status"]').select_option("")
    await filters.get_by_test_id("order-filter-apply").click()
    upload = page.get_by_test_id("ship-upload")
    header = "order_id,carrier,tracking_number\n"
    bad = header + f"{first},SF,SF1\n{unpaid},SF,SF2\n"
    await upload.get_by_test_id("ship-file").set_input_files(
        {"name": "ship.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    await upload.get_by_test_id("ship-submit").click()
    await expect(upload.get_by_test_id("ship-error")).to_have_text(
        ["Line 3: this order cannot be shipped in its current state."]
    )
    await shot(page, "console-orders-bad-file")
    good = header + f"{first},SF Express,SF1\n{second},ZTO,ZT2\n"
    await upload.get_by_test_id("ship-file").set_input_files(
        {"name": "ship.csv", "mimeType": "text/csv", "buffer": good.encode()}
    )
    await upload.get_by_test_id("ship-submit").click()
    await expect(upload.get_by_test_id("ship-message")).to_contain_text("Shipped 2 orders")
    await expect(page.get_by_test_id("order-row-status").filter(has_text="Shipped")).to_have_count(
        2
    )
    await shot(page, "console-orders-shipped")
    await context.close()
