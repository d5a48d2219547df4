"""Use cases of the catalogue: each write in its own unit of work."""

from __future__ import annotations

from typing import Any

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog import service
from livecommerce.catalog.service import ProductView
from livecommerce.storage.db import Database


async def create_product(
    db: Database, *, caller: Principal, title: str, price_cents: int, stock: int,
    description: str = "", image_url: str = "",
) -> ProductView:  # fmt: skip
    async with db.unit_of_work() as uow:
        return await service.create_product(
            uow.session, caller=caller, title=title, price_cents=price_cents, stock=stock,
            description=description, image_url=image_url,
        )  # fmt: skip


async def update_product(
    db: Database, *, caller: Principal, product_id: int, changes: dict[str, Any]
) -> ProductView:
    async with db.unit_of_work() as uow:
        return await service.update_product(
            uow.session, caller=caller, product_id=product_id, changes=changes
        )
