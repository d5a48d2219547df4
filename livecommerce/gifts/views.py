"""What the gift use cases return: plain objects with their wire form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from livecommerce.storage.gift_models import Gift, GiftSend


@dataclass(frozen=True, slots=True)
class GiftView:
    id: int
    merchant_id: int
    name: str
    image_url: str
    price_cents: int
    active: bool

    @classmethod
    def of(cls, gift: Gift) -> GiftView:
        return cls(gift.id, gift.merchant_id, gift.name, gift.image_url, gift.price_cents,
                   gift.active)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SendView:
    id: int
    room_id: int
    gift_id: int
    quantity: int
    amount_cents: int
    status: str
    created_at: datetime

    @classmethod
    def of(cls, send: GiftSend) -> SendView:
        return cls(send.id, send.room_id, send.gift_id, send.quantity, send.amount_cents,
                   send.status, send.created_at)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat().replace("+00:00", "Z")
        return data


@dataclass(frozen=True, slots=True)
class Sent:
    """A send's answer; ``replayed`` when its Idempotency-Key had already sent it."""

    send: SendView
    replayed: bool


@dataclass(frozen=True, slots=True)
class WalletView:
    balance_cents: int
    spent_today_cents: int
    spent_month_cents: int
    max_per_send_cents: int
    max_per_day_cents: int
    max_per_month_cents: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
