"""Group buys (拼团) in real Chromium: the merchant offers a group price from the console,
a viewer opens a group from the live room and shares it, two others join through the share
link and pay, and all three see the group complete; a group that times out tells its
member they are refunded, on the stage and in "My orders" (whose timeline says the group
failed, not that a return was approved)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.servers import Server
from tests.users import ADDRESS
from tests.web.conftest import new_page, shot, shot_path
from tests.web.test_browser_room import WIDEST, api_signup, login, make_show

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("shape", ["embedded"], indirect=True)]


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    """Groups are looked at every half second, so a short time limit fails promptly."""
    return {**server_env, "LIVECOMMERCE_GROUP_SWEEP_SECONDS": "0.5"}


async def viewer(
    browser: Browser, server: Server, handle: str, name: str, *, phone: bool = False
) -> tuple[BrowserContext, Page]:
    """A viewer with an address in their book, logged in (on "My orders")."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        token = await api_signup(api, handle, "viewer", name)
        added = await api.post(
            "/api/me/addresses", json=ADDRESS, headers={"Authorization": f"Bearer {token}"}
        )
        assert added.status_code == 201, added.text
    context, page = await new_page(browser, server, phone=phone)
    await login(page, handle, "/orders")
    return context, page


async def offer_from_console(browser: Browser, server: Server) -> tuple[BrowserContext, Page]:
    context, console = await new_page(browser, server)
    await login(console, "teashop", "/console")
    form = console.get_by_test_id("group-form")
    await form.scroll_into_view_if_needed()
    await expect(form.get_by_test_id("group-product").locator("option")).to_have_count(2)
    await form.locator('input[name="price"]').fill("59")
    await form.locator('input[name="size"]').fill("3")
    await form.locator('input[name="duration"]').fill("2")
    await form.get_by_test_id("group-submit").click()
    await expect(console.get_by_test_id("group-message")).to_contain_text("live in the show")
    await expect(console.get_by_test_id("group-offers")).to_contain_text("2 hours")
    return context, console


async def live_offer(server: Server, *, duration_seconds: int) -> int:
    """A live show whose pinned product has a group offer (3 seats, ¥59): the room's id."""
    show = await make_show(server, live=True)
    room_id: int = show.room["id"]
    async with httpx.AsyncClient(base_url=server.url) as api:
        answer = await api.post(
            "/api/auth/login", json={"handle": "teashop", "password": "correct horse"}
        )
        merchant = {"Authorization": f"Bearer {answer.json()['token']}"}
        body = {"product_id": show.room_products[0], "price_cents": 5900, "size": 3,
                "stock": 10, "duration_seconds": duration_seconds}  # fmt: skip
        made = await api.post(f"/api/rooms/{room_id}/group-offers", json=body, headers=merchant)
        assert made.status_code == 201, made.text
    return room_id


async def pay_seat(page: Page, done: str) -> None:
    sheet = page.get_by_test_id("buy-sheet")
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text(done)
    await expect(sheet.get_by_test_id("buy-total")).to_have_text("¥59")
    await expect(sheet.get_by_test_id("address-chosen")).to_contain_text("Li Lei")
    await sheet.get_by_test_id("buy-pay").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Paid")


async def test_open_share_join_complete(browser: Browser, server: Server) -> None:
    """Ann opens a group on the pinned product; Bei (phone) and Cai arrive through the
    share link, see it highlighted and join (Cai pays after a reload); the group completes
    for all three."""
    show = await make_show(server, live=True)
    room_id = show.room["id"]
    console_context, console = await offer_from_console(browser, server)

    ann_context, ann = await viewer(browser, server, "ann", "Ann")
    await ann.goto(f"/rooms/{room_id}")
    tag = ann.get_by_test_id("pinned-card").get_by_test_id("group-tag")
    await expect(tag).to_have_text("👥 ¥59 · 3 people")
    await tag.click()
    sheet = ann.get_by_test_id("buy-sheet")
    await expect(sheet.get_by_test_id("group-price")).to_have_text("¥59")
    await sheet.get_by_test_id("group-start").click()
    await pay_seat(ann, "Group opened")
    mine = sheet.get_by_test_id("group-mine")
    await expect(mine.get_by_test_id("group-mine-state")).to_have_text("Waiting for 2 more")
    await expect(mine).to_contain_text(re.compile(r"1/3 joined · 1 h (59|60) m left"))
    share = await mine.get_by_test_id("group-share").input_value()
    match = re.fullmatch(rf"{re.escape(server.url)}(/rooms/{room_id}\?group=(\d+))", share)
    assert match, share
    share_path = match.group(1)
    await shot(ann, "groups-opened-desktop", full_page=False)

    bei_context, bei = await viewer(browser, server, "bei", "Bei", phone=True)
    await bei.goto(share_path)
    bei_sheet = bei.get_by_test_id("buy-sheet")
    invited = bei_sheet.locator('[data-testid="group-row"].focused')
    await expect(invited).to_contain_text("You're invited:")
    await expect(invited.get_by_test_id("group-seats")).to_have_text("1/3 joined")
    assert await bei.evaluate(WIDEST) == []
    await shot(bei, "groups-invited-phone", full_page=False)
    await invited.get_by_test_id("group-join").click()
    await pay_seat(bei, "You joined")
    # Ann's own group news: who joined, and the count on her stage pill.
    await expect(mine.get_by_test_id("group-news")).to_have_text("Bei joined your group (2/3)")
    await expect(ann.get_by_test_id("group-pill-text")).to_have_text("Waiting for 1 more")

    cai_context, cai = await viewer(browser, server, "cai", "Cai")
    await cai.goto(share_path)
    cai_row = cai.get_by_test_id("buy-sheet").locator('[data-testid="group-row"].focused')
    await expect(cai_row.get_by_test_id("group-seats")).to_have_text("2/3 joined")
    await cai_row.get_by_test_id("group-join").click()
    await expect(cai.get_by_test_id("buy-result")).to_contain_text("You joined")
    # Cai reloads before paying: the sheet finds the seat again and pays it.
    await cai.reload()
    await expect(cai.get_by_test_id("group-mine-state")).to_have_text("Pay to hold your seat")
    await cai.get_by_test_id("group-pay-seat").click()
    await pay_seat(cai, "Pay to hold your seat")

    complete = "Group complete! Your order ships soon"
    for page in (ann, bei, cai):
        await expect(page.get_by_test_id("group-pill-text")).to_have_text(complete)
    await expect(mine.get_by_test_id("group-mine-state")).to_have_text(complete)
    await bei.keyboard.press("Escape")
    await shot(bei, "groups-complete-phone", full_page=False)
    await shot(ann, "groups-complete-desktop", full_page=False)

    await ann.goto("/orders")
    line = ann.get_by_test_id("order-group")
    await expect(line).to_have_text(f"👥 Group buy: {complete} · 3/3 joined")
    await expect(ann.get_by_test_id("order-status")).to_have_text("Paid")
    await console.reload()
    groups = console.get_by_test_id("console-groups")
    await groups.scroll_into_view_if_needed()
    await expect(groups.get_by_test_id("console-group-status")).to_have_text("Complete")
    await expect(groups).to_contain_text("3/3")
    panel = console.get_by_test_id("console-group-panel")
    await panel.screenshot(path=str(await shot_path("groups-console")))
    for context in (console_context, ann_context, bei_context, cai_context):
        await context.close()


async def test_group_times_out_and_refunds(browser: Browser, server: Server) -> None:
    """A group with an eight-second limit that nobody joins fails; its member, who paid,
    reads that they are refunded on the stage and in "My orders" (on a phone, in Chinese)."""
    room_id = await live_offer(server, duration_seconds=8)
    context, page = await viewer(browser, server, "dan", "Dan", phone=True)
    await page.goto(f"/rooms/{room_id}")
    await page.get_by_test_id("pinned-card").get_by_test_id("group-tag").click()
    await page.get_by_test_id("buy-sheet").get_by_test_id("group-start").click()
    await pay_seat(page, "Group opened")
    await expect(page.get_by_test_id("group-pill-text")).to_have_text("Waiting for 2 more")
    failed = "Group failed; you are refunded"
    await expect(page.get_by_test_id("group-mine-state")).to_have_text(failed, timeout=20_000)
    await expect(page.get_by_test_id("group-pill-text")).to_have_text(failed)
    await page.keyboard.press("Escape")
    await shot(page, "groups-failed-phone", full_page=False)

    await page.goto("/orders")
    await expect(page.get_by_test_id("order-group")).to_contain_text(failed)
    await expect(page.get_by_test_id("order-status")).to_have_text("Refunded", timeout=15_000)
    # The timeline tells why the money goes back: no return was asked for or approved.
    refunding = page.get_by_test_id("order-timeline").locator('li[data-step="refunding"]')
    await expect(refunding).to_contain_text("Group failed, refunding your payment")
    await expect(page.get_by_test_id("order-timeline")).not_to_contain_text("Return approved")
    assert await page.evaluate(WIDEST) == []
    await shot(page, "groups-failed-orders-phone")
    # The same page in Chinese.
    await context.add_cookies([{"name": "lc_lang", "value": "zh", "url": server.url}])
    await page.reload()
    await expect(page.get_by_test_id("order-group")).to_contain_text("拼团失败，已为你退款")
    await expect(refunding).to_contain_text("拼团失败，退款中")
    await context.close()


async def test_leave_an_open_group(browser: Browser, server: Server) -> None:
    """A member leaves an open group from "My orders" (paid: refunded, the timeline says
    they left) and from the buy sheet (unpaid: the sheet can start a group again)."""
    room_id = await live_offer(server, duration_seconds=3600)
    context, page = await viewer(browser, server, "eli", "Eli")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(f"/rooms/{room_id}")
    await page.get_by_test_id("pinned-card").get_by_test_id("group-tag").click()
    sheet = page.get_by_test_id("buy-sheet")
    await sheet.get_by_test_id("group-start").click()
    await pay_seat(page, "Group opened")
    await expect(sheet.get_by_test_id("group-mine").get_by_test_id("group-leave")).to_be_visible()

    await page.goto("/orders")
    await page.get_by_test_id("order-leave-group").click()
    # The page reloads once after leaving; the refund may still be on its way then.
    await expect(page.get_by_test_id("order-status")).to_have_text(re.compile("^Refund(ing|ed)$"))
    # Its only member left, so the group closed.
    await expect(page.get_by_test_id("order-group")).to_contain_text("Group cancelled")
    await expect(page.get_by_test_id("order-leave-group")).to_have_count(0)
    refunding = page.get_by_test_id("order-timeline").locator('li[data-step="refunding"]')
    await expect(refunding).to_contain_text("Left the group, refunding your payment")
    await shot(page, "groups-left-orders-desktop")
    await context.add_cookies([{"name": "lc_lang", "value": "zh", "url": server.url}])
    await page.reload()
    await expect(page.get_by_test_id("order-leave-group")).to_have_count(0)
    await expect(refunding).to_contain_text("已退出拼团，退款中")
    await context.add_cookies([{"name": "lc_lang", "value": "en", "url": server.url}])

    await page.goto(f"/rooms/{room_id}")
    await page.get_by_test_id("pinned-card").get_by_test_id("group-tag").click()
    await sheet.get_by_test_id("group-start").click()
    await expect(sheet.get_by_test_id("buy-result")).to_contain_text("Group opened")
    await expect(sheet.get_by_test_id("group-mine")).to_have_count(2)  # the first one's story
    await sheet.get_by_test_id("group-mine").get_by_test_id("group-leave").click()
    await expect(sheet.get_by_test_id("group-mine")).to_have_count(1)
    await expect(sheet.get_by_test_id("group-leave")).to_have_count(0)
    await expect(sheet.get_by_test_id("group-start")).to_be_enabled()
    await shot(page, "groups-left-sheet-desktop", full_page=False)
    await context.close()
