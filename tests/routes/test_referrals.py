"""The referral API and share pages over HTTP (both shapes): links, code errors, the
promoter's and merchant's views, payouts CSV, and the Open Graph share cards."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx

from tests.users import Account, product, room, signup


async def shop(client: httpx.AsyncClient) -> tuple[Account, dict[str, object], dict[str, object]]:
    merchant = await signup(client, "shop", "merchant")
    host = await signup(client, "host", "host")
    item = await product(client, merchant, image_url="https://img.example/tea.png")
    show = await room(client, merchant, host, [int(str(item["id"]))])
    return merchant, item, show


def og(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:]+)" content="([^"]*)"', html)
    )


async def test_share_link_resolve_and_arrive(client: httpx.AsyncClient) -> None:
    """A link's code resolves to its referrer and target; a forged code is 422
    invalid_referral_code, the promoter's own arrival 409 self_referral."""
    merchant, _, show = await shop(client)
    promoter = await signup(client, "promoter")
    buyer = await signup(client, "buyer")
    made = await client.post("/api/share-links", json={"kind": "room", "target_id": show["id"]},
                             headers=promoter.headers)  # fmt: skip
    assert made.status_code == 201, made.text
    code = parse_qs(urlparse(made.json()["url"]).query)["ref"][0]
    resolved = (await client.get("/api/referrals/resolve", params={"code": code})).json()
    assert (resolved["referrer_id"], resolved["merchant_id"]) == (promoter.id, merchant.id)
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    bad = await client.get("/api/referrals/resolve", params={"code": forged})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_referral_code")
    own = await client.post("/api/referrals/arrive", json={"code": code}, headers=promoter.headers)
    assert (own.status_code, own.json()["error"]["code"]) == (409, "self_referral")
    bound = await client.post("/api/referrals/arrive", json={"code": code}, headers=buyer.headers)
    assert bound.json()["binding"]["referrer_id"] == promoter.id
    mine = (await client.get("/api/me/promotions", headers=promoter.headers)).json()
    assert [(x["kind"], x["clicks"]) for x in mine["links"]] == [("room", 1)]
    table = (await client.get("/api/merchant/promoters", headers=merchant.headers)).json()
    assert [(p["handle"], p["links"], p["clicks"]) for p in table["promoters"]] == [
        ("promoter", 1, 1)
    ]


async def test_approval_setting_and_errors(client: httpx.AsyncClient) -> None:
    """With approval on, sharing is 403 promoter_not_approved until the merchant approves;
    only merchants change the rules; out-of-range rates are 422."""
    merchant, item, _ = await shop(client)
    promoter = await signup(client, "promoter")
    rules = {"requires_approval": True, "rate_bp": 800, "window_days": 7}
    put = await client.put("/api/merchant/referral-settings", json=rules, headers=merchant.headers)
    assert put.status_code == 200, put.text
    denied = await client.put("/api/merchant/referral-settings", json=rules,
                              headers=promoter.headers)  # fmt: skip
    assert denied.status_code == 403
    too_high = await client.put("/api/merchant/referral-settings", json={"rate_bp": 9000},
                                headers=merchant.headers)  # fmt: skip
    assert too_high.status_code == 422
    body = {"kind": "product", "target_id": item["id"]}
    refused = await client.post("/api/share-links", json=body, headers=promoter.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "promoter_not_approved")
    applied = await client.post("/api/promoters/apply", json={"merchant_id": merchant.id},
                                headers=promoter.headers)  # fmt: skip
    assert applied.json() == {"status": "applied"}
    approved = await client.post(f"/api/merchant/promoters/{promoter.id}/approve",
                                 headers=merchant.headers)  # fmt: skip
    assert approved.json() == {"status": "approved"}
    ok = await client.post("/api/share-links", json=body, headers=promoter.headers)
    assert ok.status_code == 201
    csv_text = (await client.get("/api/merchant/payouts.csv", headers=merchant.headers)).text
    assert csv_text.lstrip("\ufeff").splitlines() == [
        "promoter_id,promoter,commission_id,order_id,level,rate_bp,base_cents,amount_cents,"
        "payable_cents,status,settled_at"
    ]


async def test_share_cards_and_anonymous_arrival(client: httpx.AsyncClient) -> None:
    """Room and product pages carry og:title/image/description (with the price)/url and
    twitter:card; an anonymous visit through ?ref keeps the code in a cookie."""
    _, item, show = await shop(client)
    promoter = await signup(client, "promoter")
    made = await client.post("/api/share-links", json={"kind": "product", "target_id": item["id"]},
                             headers=promoter.headers)  # fmt: skip
    page = await client.get(made.json()["path"], headers={"Accept-Language": "en"})
    assert page.status_code == 200
    tags = og(page.text)
    assert tags["og:title"] == "Green tea"
    assert tags["og:image"] == "https://img.example/tea.png"
    assert "¥19.99" in tags["og:description"]
    assert tags["og:url"].endswith(f"/p/{item['id']}")
    assert tags["twitter:card"] == "summary_large_image"
    assert "lc_ref" in page.cookies
    room_tags = og((await client.get(f"/rooms/{show['id']}")).text)
    assert room_tags["og:title"] == "Evening show"
    assert "¥19.99" in room_tags["og:description"]
    assert room_tags["og:url"].endswith(f"/rooms/{show['id']}")
    assert (await client.get("/p/999999")).status_code == 404
