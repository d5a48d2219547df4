"""The console of #15 in a real Chromium: the deal form offers the show's shelf only,
a product on an open shelf is not deleted, a show is edited (shelf seen live by viewers,
cover uploaded), and the phone layout (nav, home cards, order rows)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Dialog, expect

from tests.servers import Server
from tests.users import ADDRESS
from tests.web.conftest import new_page, shot, slowly
from tests.web.test_browser_room import PASSWORD, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_console_shows_deals_and_shelf(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    """Deal form = the show's shelf; delete refused while on a shelf; edit the shelf and the
    open viewer room follows; a cover is uploaded and shown."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = (
            await api.post("/api/auth/login", json={"handle": "teashop", "password": PASSWORD})
        ).json()["token"]
        shop = {"Authorization": f"Bearer {token}"}
        shelf = {"product_ids": [show.room_products[1]]}
        assert (await api.put(f"/api/rooms/{room_id}/shelf", json=shelf, headers=shop)).is_success
    viewer_context, room = await new_page(browser, server, phone=True)
    await room.goto(f"/rooms/{room_id}")
    context, page = await new_page(browser, server)
    await login(page, "teashop", "/console")
    options = page.get_by_test_id("deal-form").locator('select[name="product_id"] option')
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Celadon tea cup")

    page.on("dialog", lambda dialog: dialog.accept())
    cup = page.get_by_test_id("product-item").filter(has_text="Celadon")
    await cup.get_by_role("button", name="Delete").click()
    await expect(page.get_by_test_id("product-message")).to_contain_text("on the shelf of a show")
    await expect(cup).to_have_count(1)

    # A slow read of the show being edited: the form is held until it has filled from it,
    # so what is typed is not overwritten by the read.
    await page.route(re.compile(r"/api/rooms/\d+$"), slowly)
    await page.get_by_test_id("room-row").first.get_by_test_id("room-edit").click()
    form = page.get_by_test_id("room-form")
    await form.locator('input[name="title"]').fill("Spring tea, edited")
    await form.get_by_label("Longjing green tea 250g").check()
    cover = tmp_path / "cover.png"
    cover.write_bytes(PNG)
    await form.get_by_test_id("cover-input").set_input_files(str(cover))
    await form.locator('button[type="submit"]').click()
    await expect(page.get_by_test_id("room-message")).to_have_text("Show saved.")
    await expect(page.get_by_test_id("room-list")).to_contain_text("Spring tea, edited")
    await room.get_by_test_id("shelf-btn").click()
    await expect(room.locator("#shelf-drawer, .drawer").first).to_contain_text("Longjing green tea")
    await shot(page, "console-show-edited")
    await shot(room, "room-shelf-changed-phone", full_page=False)
    home_context, home = await new_page(browser, server, phone=True)
    await home.goto("/")
    card = home.get_by_test_id("room-card").first
    await expect(card.locator("img")).to_have_attribute(
        "src", __import__("re").compile(r"^/covers/")
    )
    box = await card.bounding_box()
    assert box is not None and box["width"] > 300, box
    await shot(home, "home-phone")
    for ctx in (home_context, context, viewer_context):
        await ctx.close()


async def test_phone_nav_is_not_clipped(browser: Browser, server: Server) -> None:
    """At 390 px every nav link is whole and inside the screen."""
    await make_show(server, live=False)
    context, page = await new_page(browser, server, phone=True)
    await login(page, "teashop", "/console")
    clipped = await page.evaluate("""[...document.querySelectorAll('.nav .nav-link')]
      .filter((a) => getComputedStyle(a).display !== 'none')
      .filter((a) => a.getBoundingClientRect().right > 390 || a.scrollWidth > a.clientWidth + 1)
      .map((a) => a.textContent)""")
    assert clipped == []
    await shot(page, "console-phone", full_page=False)
    await context.close()


# Each column's edge, per row: ids and text by their left edge, the total and the status
# (right-aligned) by their right edge, the actions (when a row has any) by their left edge.
COLUMN_EDGES = """[...document.querySelectorAll('[data-testid=order-row]')].map((row) => {
  const box = (node) => node?.getBoundingClientRect() ?? null;
  const cells = [...row.children].map(box);
  const price = box(row.querySelector(':scope > .price'));
  const badge = box(row.querySelector(':scope > .badge'));
  const actions = box(row.querySelector(':scope > .order-actions'));
  const outer = box(row);
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const overlaps = cells.some((a, i) => cells.some((b, j) => i < j && a.width && b.width
    && meet(a, b)));
  const outside = cells.some((c) => c.width
    && (c.left < outer.left || c.right > outer.right + 0.5));
  return { id: cells[0].left, main: cells[1].left, price: price.right, status: badge.right,
           actions: actions ? actions.left : null, overlaps, outside };
})"""


async def test_console_order_rows_line_up(browser: Browser, server: Server) -> None:
    """In the console's order list every column starts (or, for the right-aligned total and
    status, ends) at the same x in every row, on a desktop and on a 390 px phone, whatever
    the row's status, total and actions; no cell spills over another or out of its row."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = (
            await api.post("/api/auth/login", json={"handle": "anchor", "password": PASSWORD})
        ).json()["token"]
        deal = {"product_id": show.room_products[0], "price_cents": 500, "quantity": 40,
                "per_user_limit": 9, "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        sale = await api.post(f"/api/rooms/{room_id}/sales", json=deal,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert sale.status_code == 201, sale.text
        for _ in range(50):  # the scheduler starts the deal within its tick
            if (await api.get(f"/api/sales/{sale.json()['id']}")).json()["status"] == "live":
                break
        for n, (quantity, then) in enumerate([(1, "pay"), (9, None), (2, "cancel"), (3, "pay")]):
            handle = f"buyer{n}" + "x" * n * 4
            buyer = {"Authorization": f"Bearer {await api_signup(api, handle, 'viewer', handle)}"}
            await api.post("/api/me/addresses", json=ADDRESS, headers=buyer)
            order = await api.post(f"/api/sales/{sale.json()['id']}/orders",
                                   json={"quantity": quantity},
                                   headers={**buyer, "Idempotency-Key": f"r{n}"})  # fmt: skip
            assert order.status_code == 201, order.text
            if then:
                done = await api.post(f"/api/orders/{order.json()['id']}/{then}", headers=buyer)
                assert done.is_success, done.text
    for phone in (False, True):
        context, page = await new_page(browser, server, phone=phone)
        await login(page, "teashop", "/console")
        rows = page.get_by_test_id("order-row")
        await expect(rows).to_have_count(4)
        await expect(page.get_by_test_id("order-ship")).to_have_count(2)
        edges = await page.evaluate(COLUMN_EDGES)
        where = "phone" if phone else "desktop"
        for column in ("id", "main", "price", "status", "actions"):
            xs = [row[column] for row in edges if row[column] is not None]
            assert xs and max(xs) - min(xs) <= 1, (where, column, xs)
        assert not any(row["overlaps"] or row["outside"] for row in edges), (where, edges)
        await rows.first.scroll_into_view_if_needed()
        await shot(page, f"console-order-rows-{where}", full_page=False)
        await context.close()


async def test_a_scheduled_show_is_cancelled_from_the_console(
    browser: Browser, server: Server
) -> None:
    """Cancel show (after a confirm) ends a show that has not started; its deal is cancelled."""
    show = await make_show(server, live=False)
    room_id = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        host = {"Authorization": f"Bearer {show.host_token}"}
        deal = {"product_id": show.room_products[0], "price_cents": 500, "quantity": 5,
                "countdown_seconds": 3600, "duration_seconds": 600}  # fmt: skip
        sale = await api.post(f"/api/rooms/{room_id}/sales", json=deal, headers=host)
        assert sale.status_code == 201, sale.text
    context, page = await new_page(browser, server)
    await login(page, "teashop", "/console")
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    row = page.get_by_test_id("room-row").filter(has_text=show.room["title"])
    await row.get_by_test_id("room-cancel").click()
    await expect(row.locator(".badge")).to_have_text("Ended")
    await expect(row.get_by_test_id("room-cancel")).to_have_count(0)
    assert asked and "Cancel this show?" in asked[0]
    async with httpx.AsyncClient(base_url=server.url) as api:
        assert (await api.get(f"/api/rooms/{room_id}")).json()["status"] == "ended"
        assert (await api.get(f"/api/sales/{sale.json()['id']}")).json()["status"] == "cancelled"
    await context.close()
