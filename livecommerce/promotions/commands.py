"""Use cases of coupons: templates, the host's cap, drops, the show's end, the preview.

Each opens its unit of work and does the gate's part after the commit. The database is
the authority, so a gate that cannot be reached afterwards costs speed, never a coupon:
the first claim that finds the drop missing loads it from the rows.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import load_product
from livecommerce.errors import NotFound, Unavailable
from livecommerce.promotions import drops, pricing, redemption, templates
from livecommerce.promotions.claims import reload_gate
from livecommerce.promotions.desk import Coupons
from livecommerce.promotions.gate import GateDrop
from livecommerce.promotions.views import ClaimView, DropView, TemplateView
from livecommerce.sales.service import get_sale
from livecommerce.storage.models import RoomProduct


async def create_template(
    coupons: Coupons, *, caller: Principal, terms: templates.TemplateTerms,
    room_id: int | None = None,
) -> TemplateView:  # fmt: skip
    async with coupons.db.unit_of_work() as uow:
        return await templates.create_template(
            uow.session, caller=caller, terms=terms, room_id=room_id, now=coupons.clock()
        )


async def set_host_cap(coupons: Coupons, *, caller: Principal, cap_cents: int) -> int:
    async with coupons.db.unit_of_work() as uow:
        return await templates.set_host_cap(uow.session, caller=caller, cap_cents=cap_cents)


async def drop_coupon(
    coupons: Coupons, *, caller: Principal, room_id: int, template_id: int
) -> DropView:
    """Drop a template in the live room; its gate is loaded before the card is seen."""
    async with coupons.db.unit_of_work() as uow:
        drop = await drops.drop_coupon(
            uow, caller=caller, room_id=room_id, template_id=template_id, now=coupons.clock()
        )
    fresh = GateDrop(drop.ref, drop.quantity, drop.per_buyer_limit, drop.claim_ends_at)
    with suppress(Unavailable):  # the first claim loads it from the rows
        await coupons.gate.load(fresh)
    return drop


async def close_show_drops(coupons: Coupons, *, room_id: int) -> None:
    """After the show ended: its drops' gates refuse claims before the database does."""
    async with coupons.db.read() as session:
        refs = await drops.open_refs(session, room_id)
    with suppress(Unavailable):
        for ref in refs:
            await coupons.gate.close(ref)


async def rebuild_gate(coupons: Coupons, *, drop_id: int) -> None:
    await reload_gate(coupons, drop_id)


@dataclass(frozen=True, slots=True)
class Preview:
    """The buy sheet's price: the quote with the chosen coupon (or the best one), and
    each of the buyer's coupons of the shop with what it would take off, or why not."""

    quote: pricing.Quote
    chosen: int | None
    suggested: int | None
    coupons: list[tuple[ClaimView, int, str | None]]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.quote.as_dict(), "coupon_claim_id": self.chosen, "suggested": self.suggested,
            "coupons": [
                {**c.as_dict(), "discount_cents": off, "refusal": why}
                for c, off, why in self.coupons
            ],
        }  # fmt: skip


async def preview(
    coupons: Coupons, *, buyer_id: int, room_id: int, product_id: int, quantity: int,
    coupon_claim_id: int | None, sale_id: int | None = None, best: bool = False,
) -> Preview:  # fmt: skip
    """What checkout would charge, by the same function (``pricing.quote``). With
    ``best`` and no coupon chosen, the best applicable coupon is chosen."""
    now = coupons.clock()
    async with coupons.db.read() as session:
        deal_price = None
        if sale_id is not None:
            sale = await get_sale(session, sale_id)
            room_id, product_id, deal_price = sale.room_id, sale.product_id, sale.price_cents
        elif await session.get(RoomProduct, (room_id, product_id)) is None:
            raise NotFound(f"product {product_id} is not on this room's shelf")
        product = await load_product(session, product_id)
        line = pricing.Line(product_id, product.price_cents, quantity, deal_price)
        mine = await redemption.usable_claims(
            session, buyer_id=buyer_id, merchant_id=product.merchant_id, now=now
        )
        suggested = pricing.best(line, [(c.id, c.template.coupon()) for c in mine])
        chosen = coupon_claim_id if coupon_claim_id is not None or not best else suggested
        quote, _ = await redemption.price_with(
            session, line, claim_id=chosen, buyer_id=buyer_id,
            merchant_id=product.merchant_id, now=now,
        )  # fmt: skip
    rows = []
    for claim in mine:
        why = pricing.refusal(line, claim.template.coupon())
        off = 0 if why else pricing.discount(claim.template.coupon(), quote.subtotal_cents)
        rows.append((claim, off, None if why is None else why.code))
    return Preview(quote, chosen, suggested, rows)
