from __future__ import annotations

import pytest
from sqlalchemy import select

from livecommerce.errors import Conflict, IllegalTransition, NotAuthenticated
from livecommerce.orders.payment import (
    SandboxProvider,
    WebhookSigner,
    confirm_payment,
    pay_order,
)
from livecommerce.orders.placement import place_order
from livecommerce.orders.service import cancel_order
from livecommerce.storage.models import Payment
from tests.orders.conftest import World


async def new_order(w: World, key: str = "a") -> int:
    sale_id = await w.make_sale()
    placed = await place_order(
        w.checkout, buyer_id=w.buyer_ids[0], sale_id=sale_id, quantity=1, key=key
    )
    return placed.order.id


async def test_sandbox_payment_marks_the_order_paid(world: World) -> None:
    """The sandbox confirms at once; paying again changes nothing."""
    order_id = await new_order(world)
    order, charge = await pay_order(
        world.checkout, SandboxProvider(), buyer_id=world.buyer_ids[0], order_id=order_id
    )
    assert charge is not None and charge.confirmed
    assert (order.status, order.paid_at) == ("paid", world.clock.now)
    again, second = await pay_order(
        world.checkout, SandboxProvider(), buyer_id=world.buyer_ids[0], order_id=order_id
    )
    assert (again.status, second) == ("paid", None)


async def test_webhook_confirmation_pays_once(world: World) -> None:
    """A provider confirming by webhook pays the order; a repeated webhook is harmless."""
    provider = SandboxProvider(name="sandbox", confirm_by_webhook=True)
    order_id = await new_order(world)
    order, charge = await pay_order(
        world.checkout, provider, buyer_id=world.buyer_ids[0], order_id=order_id
    )
    assert charge is not None and order.status == "pending_payment"
    for _ in range(2):
        paid = await confirm_payment(
            world.checkout, provider="sandbox", reference=charge.reference, succeeded=True
        )
        assert paid.status == "paid"


async def test_money_arriving_after_a_cancel_is_flagged_for_refund(world: World) -> None:
    """A late confirmation never resurrects a closed order; the payment awaits refund."""
    provider = SandboxProvider(name="sandbox", confirm_by_webhook=True)
    order_id = await new_order(world)
    _, charge = await pay_order(
        world.checkout, provider, buyer_id=world.buyer_ids[0], order_id=order_id
    )
    assert charge is not None
    await cancel_order(world.checkout, buyer_id=world.buyer_ids[0], order_id=order_id)
    order = await confirm_payment(
        world.checkout, provider="sandbox", reference=charge.reference, succeeded=True
    )
    assert order.status == "cancelled"
    async with world.db.read() as session:
        statuses = list(await session.scalars(select(Payment.status)))
    assert statuses == ["refund_due"]


async def test_closed_or_late_orders_cannot_be_paid(world: World) -> None:
    """Paying a cancelled order or one past its payment window is refused."""
    order_id = await new_order(world)
    await cancel_order(world.checkout, buyer_id=world.buyer_ids[0], order_id=order_id)
    with pytest.raises(IllegalTransition, match="from cancelled to paid"):
        await pay_order(
            world.checkout, SandboxProvider(), buyer_id=world.buyer_ids[0], order_id=order_id
        )
    late = await new_order(world, key="b")
    world.clock.advance(minutes=16)
    with pytest.raises(Conflict, match="payment window"):
        await pay_order(
            world.checkout, SandboxProvider(), buyer_id=world.buyer_ids[0], order_id=late
        )


def test_webhook_signatures_verify_and_refuse_tampering() -> None:
    """Only an untampered, recent body signed with the same secret and provider passes."""
    signer = WebhookSigner("secret", "sandbox")
    body = b'{"reference": "r1", "status": "succeeded"}'
    header = signer.sign(body, timestamp=1000)
    signer.verify(body, header, now=1000)
    with pytest.raises(NotAuthenticated, match="invalid"):
        signer.verify(body + b" ", header, now=1000)
    with pytest.raises(NotAuthenticated, match="too old"):
        signer.verify(body, header, now=1000 + 301)
    with pytest.raises(NotAuthenticated, match="invalid"):
        WebhookSigner("secret", "other").verify(body, header, now=1000)
    with pytest.raises(NotAuthenticated, match="malformed"):
        signer.verify(body, "v1=abc", now=1000)
