"""Payload shapes that several domains' events share: how events name a user, a product,
a flash sale and a chat message. TypedDicts, so the views' plain dicts are validated
against them and the JSON Schema describes them field by field."""

from __future__ import annotations

from typing_extensions import TypedDict


class UserRef(TypedDict):
    id: int
    handle: str
    name: str  # the display name: moderation lines name a user as chat does


class ChatAuthor(TypedDict):
    id: int
    handle: str
    name: str


class ChatMessageData(TypedDict):
    id: int
    user: ChatAuthor
    body: str
    at: str


class ProductCard(TypedDict):
    id: int
    merchant_id: int
    title: str
    description: str
    image_url: str
    price_cents: int
    currency: str
    stock: int


class SaleData(TypedDict):
    id: int
    room_id: int
    product_id: int
    price_cents: int
    quantity: int
    sold: int
    remaining: int
    per_user_limit: int
    starts_at: str
    ends_at: str
    status: str
