"""The merchant cancels a paid order before shipping it (out of stock, cannot deliver).

The order goes ``paid -> refunding`` (``orders.lifecycle``: the edge group refunds also
take) with a refund work item for every unit, in one transaction; the refund is paid
right after the commit and retried from its row (``orders.refunds``), and the units come
back on hand when it settles (the order ends ``refunded``). The audit row names the
merchant and their reason. Once the order has shipped the edge is gone, and the buyer's
return is the way back.
"""

from __future__ import annotations

from datetime import datetime

from livecommerce.errors import AlreadyRefunded, AwaitingGroup, IllegalTransition, InvalidInput
from livecommerce.orders import refunds, transitions
from livecommerce.orders.lifecycle import MERCHANT_CANCELLABLE, OrderStatus
from livecommerce.orders.refunds import Providers
from livecommerce.orders.service import load_merchant_order
from livecommerce.orders.views import OrderView
from livecommerce.storage.db import Database
from livecommerce.storage.models import utcnow

MAX_REASON = 500
_REFUNDED = (OrderStatus.REFUNDING, OrderStatus.REFUNDED)


async def cancel_paid_order(
    db: Database, providers: Providers, *, order_id: int, merchant_id: int, reason: str,
    now: datetime | None = None,
) -> OrderView:  # fmt: skip
    """Cancel a paid, unshipped order of the merchant's product and refund it in full."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"a cancellation needs a reason of 1 to {MAX_REASON} characters")
    at = now or utcnow()
    async with db.unit_of_work() as uow:
        order = await load_merchant_order(uow.session, merchant_id=merchant_id, order_id=order_id)
        if order.awaiting_group:  # the group's own leave and failure paths refund seats
            raise AwaitingGroup("this order's group buy has not filled yet")
        if OrderStatus(order.status) not in MERCHANT_CANCELLABLE:
            raise _refusal(order.status)
        moved = await transitions.move(
            uow, order.id, order.status, OrderStatus.REFUNDING,
            actor=transitions.merchant(merchant_id), now=at, reason=f"cancelled: {reason}",
        )  # fmt: skip
        if moved is None:  # shipped (or cancelled) by another request meanwhile
            await uow.session.refresh(order)
            raise _refusal(order.status)
        view = OrderView.of(moved)
        quantity = order.quantity - order.refunded_quantity
        await refunds.open_refund(db, providers, uow, order, quantity=quantity, now=at)
    return view


def _refusal(status: str) -> Exception:
    if status in _REFUNDED:
        return AlreadyRefunded("this order was already refunded")
    return IllegalTransition(f"an order cannot be cancelled once it is {status}")
