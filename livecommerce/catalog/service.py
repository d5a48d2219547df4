"""Products, owned by one merchant each. Prices in integer cents."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import InvalidInput, NotFound, PermissionDenied
from livecommerce.events.shapes import ProductCard
from livecommerce.storage.models import Product

MAX_TITLE, MAX_DESCRIPTION, MAX_PRICE_CENTS, MAX_STOCK = 120, 4000, 100_000_000, 10_000_000
EDITABLE = ("title", "description", "image_url", "price_cents", "stock")


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    merchant_id: int
    title: str
    description: str
    image_url: str
    price_cents: int
    currency: str
    stock: int

    @classmethod
    def of(cls, p: Product) -> ProductView:
        return cls(
            p.id,
            p.merchant_id,
            p.title,
            p.description,
            p.image_url,
            p.price_cents,
            p.currency,
            p.stock_on_hand,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def card(self) -> ProductCard:
        """The product as events carry it (the pinned card): the fields of ``as_dict``."""
        return cast(ProductCard, self.as_dict())


TEXT_FIELDS = ("title", "description", "image_url")


def check_fields(values: dict[str, Any]) -> None:
    """Raise ``InvalidInput`` naming the first field that breaks a rule."""
    for name in TEXT_FIELDS:
        # The database refuses a NUL in text (PostgreSQL does): refuse it before.
        if "\x00" in (values.get(name) or ""):
            raise InvalidInput(f"{name} must not contain NUL characters")
    title = values.get("title")
    if title is not None and not 1 <= len(title.strip()) <= MAX_TITLE:
        raise InvalidInput(f"title must be 1-{MAX_TITLE} characters")
    description = values.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"description must be at most {MAX_DESCRIPTION} characters")
    image_url = values.get("image_url")
    if image_url and not image_url.startswith(("https://", "http://", "/")):
        raise InvalidInput("image_url must be an http(s) URL or a path")
    price = values.get("price_cents")
    if price is not None and not 0 < price <= MAX_PRICE_CENTS:
        raise InvalidInput(f"price_cents must be between 1 and {MAX_PRICE_CENTS}")
    stock = values.get("stock")
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(f"stock must be between 0 and {MAX_STOCK}")


def _require_merchant(caller: Principal) -> None:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants manage products")


async def create_product(
    session: AsyncSession,
    *,
    caller: Principal,
    title: str,
    price_cents: int,
    stock: int,
    description: str = "",
    image_url: str = "",
) -> ProductView:
    _require_merchant(caller)
    values = {"title": title, "description": description, "image_url": image_url}
    check_fields({**values, "price_cents": price_cents, "stock": stock})
    product = Product(
        merchant_id=caller.user_id,
        title=title.strip(),
        description=description,
        image_url=image_url,
        price_cents=price_cents,
        stock_on_hand=stock,
    )
    session.add(product)
    await session.flush()
    return ProductView.of(product)


async def load_product(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None or product.deleted:
        raise NotFound(f"product {product_id} not found")
    return product


async def _owned(session: AsyncSession, caller: Principal, product_id: int) -> Product:
    product = await load_product(session, product_id)
    if product.merchant_id != caller.user_id and caller.role != "admin":
        raise PermissionDenied("this product belongs to another merchant")
    return product


async def get_product(session: AsyncSession, product_id: int) -> ProductView:
    return ProductView.of(await load_product(session, product_id))


async def update_product(
    session: AsyncSession, *, caller: Principal, product_id: int, changes: dict[str, Any]
) -> ProductView:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    nulls = sorted(name for name, value in changes.items() if value is None)
    if nulls:
        raise InvalidInput(f"{', '.join(nulls)} cannot be null")
    check_fields(changes)
    product = await _owned(session, caller, product_id)
    for name, value in changes.items():
        setattr(product, "stock_on_hand" if name == "stock" else name, value)
    await session.flush()
    return ProductView.of(product)


async def delete_product(session: AsyncSession, *, caller: Principal, product_id: int) -> None:
    product = await _owned(session, caller, product_id)
    # Soft delete: orders and past shows still point at the product.
    product.deleted = True


async def list_products(session: AsyncSession, *, merchant_id: int) -> list[ProductView]:
    rows = await session.scalars(
        select(Product)
        .where(Product.merchant_id == merchant_id, Product.deleted.is_(False))
        .order_by(Product.id)
    )
    return [ProductView.of(p) for p in rows]


async def take_product_stock(session: AsyncSession, product_id: int, quantity: int) -> bool:
    """Take ``quantity`` units off the shelf stock if that many are there (conditional
    update: concurrent buyers and deals can never drive it below zero)."""
    p = Product
    result = await session.execute(
        update(p)
        .where(p.id == product_id, p.deleted.is_(False), p.stock_on_hand >= quantity)
        .values(stock_on_hand=p.stock_on_hand - quantity)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def return_product_stock(session: AsyncSession, product_id: int, quantity: int) -> None:
    """Put units back: a cancelled or expired order, or a deal's unsold units."""
    if quantity <= 0:
        return
    p = Product
    await session.execute(
        update(p)
        .where(p.id == product_id)
        .values(stock_on_hand=p.stock_on_hand + quantity)
        .execution_options(synchronize_session=False)
    )
