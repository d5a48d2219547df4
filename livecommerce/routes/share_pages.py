"""Pages of sharing: arrivals through ``?ref=``, the product share page, "My promotions",
and the Open Graph share cards of rooms and products.

A visitor arriving through a link is counted (a click row) and, if signed in, bound at
once. An anonymous visitor's code waits in a cookie until they log in or sign up; a bad,
expired or own code is ignored here (the API that resolves codes says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import DomainError
from livecommerce.referrals import cards, commands
from livecommerce.referrals.codes import MAX_CODE_LENGTH
from livecommerce.referrals.lifecycle import TargetKind
from livecommerce.resources import Resources
from livecommerce.routes._fields import RowId
from livecommerce.routes._pagekit import render, to_login, translator_for
from livecommerce.routes.deps import OptionalUser, ResourcesDep
from livecommerce.routes.referrals import signer
from livecommerce.storage.models import utcnow

router = APIRouter(include_in_schema=False)

REF_COOKIE = "lc_ref"
REF_COOKIE_SECONDS = 7 * 24 * 3600
"""How long an anonymous visitor's codes wait for a login; binding starts at login."""
MAX_WAITING = 4
CookieStep = Callable[[Response], None]


def _waiting(request: Request) -> list[str]:
    raw = request.cookies.get(REF_COOKIE, "")
    return [c for c in raw.split("~") if 0 < len(c) <= MAX_CODE_LENGTH][:MAX_WAITING]


async def arrival(
    request: Request, resources: Resources, caller: Principal | None
) -> CookieStep | None:
    """Count a visit through ``?ref=`` and bind a signed-in visitor; for an anonymous
    one, the step that keeps the code for their login (first code per merchant kept)."""
    code = request.query_params.get("ref", "")
    if not code:
        return None
    visitor = caller.user_id if caller else None
    try:
        referral, _ = await commands.arrive(
            resources.db, signer(resources), code=code, visitor_id=visitor, now=utcnow()
        )
    except DomainError:
        return None
    if caller is not None:
        return None
    waiting = _waiting(request)
    merchants = {_merchant_of(resources, c) for c in waiting}
    if referral.merchant_id in merchants:
        return None
    kept = "~".join([*waiting, code][-MAX_WAITING:])

    def keep(response: Response) -> None:
        secure = resources.settings.cookie_secure
        response.set_cookie(REF_COOKIE, kept, max_age=REF_COOKIE_SECONDS, httponly=True,
                            samesite="lax", secure=secure, path="/")  # fmt: skip

    return keep


def _merchant_of(resources: Resources, code: str) -> int | None:
    try:
        return signer(resources).read(code, now=utcnow()).merchant_id
    except DomainError:
        return None


async def bind_waiting(
    request: Request, resources: Resources, user_id: int, response: Response
) -> None:
    """At login or signup: bind the visitor through the codes their cookie kept."""
    codes = _waiting(request)
    if not codes:
        return
    for code in codes:
        try:
            await commands.arrive(resources.db, signer(resources), code=code, visitor_id=user_id,
                                  now=utcnow(), click=False)  # fmt: skip
        except DomainError:
            continue
    response.delete_cookie(REF_COOKIE, path="/")


def share_card(request: Request, card: cards.Card, path: str) -> dict[str, Any]:
    """The Open Graph fields of a room or product page (absolute URLs for chat apps)."""
    t = translator_for(request)
    base = str(request.base_url).rstrip("/")
    image = card.image if card.image.startswith(("http://", "https://")) else (
        base + card.image if card.image.startswith("/") else "")  # fmt: skip
    price = "" if card.price_cents is None else f"¥{card.price_cents / 100:.2f}"
    if card.room_id is not None and path.startswith("/rooms/"):
        text = t("share.room_description", price=price) if price else t("share.room_only")
    else:
        text = t("share.product_description", price=price)
    if card.description:
        text = f"{text} · {card.description[:120]}"
    return {"title": card.title, "image": image, "description": text, "url": base + path}


@router.get("/p/{product_id}")
async def product_page(
    product_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    keep = await arrival(request, resources, caller)
    async with resources.db.read() as session:
        card = await cards.product_card(session, product_id)
    context = {
        "product_id": product_id, "card": card, "og": share_card(request, card, f"/p/{product_id}"),
        "page_data": {"share": {"kind": TargetKind.PRODUCT.value, "target_id": product_id,
                                "merchant_id": card.merchant_id}},
    }  # fmt: skip
    response = render(request, resources, caller, "product.html", context)
    if keep is not None:
        keep(response)
    return response


@router.get("/promotions")
async def promotions_page(
    request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    if caller is None:
        return to_login(request)
    return render(request, resources, caller, "promotions.html")
