from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import IllegalTransition, InvalidInput, PermissionDenied
from livecommerce.orders.commands import cancel_deal, schedule_deal
from livecommerce.sales.views import SaleView
from tests.orders.conftest import World


def merchant(w: World) -> Principal:
    return Principal(w.merchant_id, "u0", "merchant")


async def schedule(w: World, caller: Principal | None = None, **terms: Any) -> SaleView:
    values: dict[str, Any] = {"product_id": w.product_id, "price_cents": 990, "quantity": 5,
                              "per_user_limit": 1, "countdown_seconds": 60,
                              "duration_seconds": 300, **terms}  # fmt: skip
    return await schedule_deal(
        w.checkout, caller=caller or merchant(w), room_id=w.room_id, now=w.clock.now, **values
    )


async def test_scheduling_loads_the_gate_and_announces_the_sale(world: World) -> None:
    """A scheduled sale starts after its countdown, is in the gate, and is announced."""
    sale = await schedule(world)
    assert sale.status == "scheduled"
    assert sale.starts_at == world.clock.now + timedelta(seconds=60)
    assert sale.ends_at == sale.starts_at + timedelta(seconds=300)
    snapshot = await world.checkout.gate.snapshot(sale.ref)
    assert snapshot is not None and snapshot.quantity == 5
    assert world.events.types() == ["sale.scheduled"]


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"price_cents": 0}, "price_cents"),
        ({"quantity": 0}, "quantity must be at least 1"),
        ({"quantity": 1001}, "more than the product's stock"),
        ({"per_user_limit": 0}, "per_user_limit"),
        ({"duration_seconds": 0}, "ends_at must be after starts_at"),
        ({"starts_at": None, "countdown_seconds": None}, "exactly one of starts_at"),
        ({"countdown_seconds": -5}, "must not be negative"),
        ({"product_id": 999_999}, "not on this room's shelf"),
    ],
)
async def test_bad_terms_are_refused(world: World, terms: dict[str, Any], message: str) -> None:
    """Each broken rule is refused with a message naming it, and nothing is scheduled."""
    with pytest.raises(InvalidInput, match=message):
        await schedule(world, **terms)
    assert world.events.events == []


async def test_a_start_in_the_past_is_refused(world: World) -> None:
    """starts_at more than a few seconds ago is a mistake, not a countdown."""
    with pytest.raises(InvalidInput, match="in the past"):
        await schedule(
            world, countdown_seconds=None, starts_at=world.clock.now - timedelta(hours=1)
        )


async def test_only_the_rooms_managers_schedule(world: World) -> None:
    """A viewer cannot launch a deal in someone else's room."""
    viewer = Principal(world.buyer_ids[0], "u1", "viewer")
    with pytest.raises(PermissionDenied):
        await schedule(world, caller=viewer)


async def test_cancel_before_start_drops_the_gate(world: World) -> None:
    """Cancelling a scheduled sale ends it for good and empties its gate."""
    sale = await schedule(world)
    view = await cancel_deal(world.checkout, caller=merchant(world), sale_id=sale.id)
    assert view.status == "cancelled"
    assert await world.checkout.gate.snapshot(sale.ref) is None
    assert world.events.types() == ["sale.scheduled", "sale.cancelled"]


async def test_a_live_sale_cannot_be_cancelled(world: World) -> None:
    """Once live, cancel is an illegal transition with the exact message."""
    sale_id = await world.make_sale()
    with pytest.raises(IllegalTransition, match=r"^a flash sale cannot go from live to cancelled$"):
        await cancel_deal(world.checkout, caller=merchant(world), sale_id=sale_id)
