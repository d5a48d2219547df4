"""Use cases of the shelf after scheduling: each write in its own unit of work."""

from __future__ import annotations

from livecommerce.accounts.tokens import Principal
from livecommerce.catalog.service import ProductView
from livecommerce.sales import shelf
from livecommerce.storage.db import Database


async def change_shelf(
    db: Database, *, caller: Principal, room_id: int, product_ids: list[int]
) -> list[ProductView]:
    async with db.unit_of_work() as uow:
        return await shelf.set_shelf(uow, caller=caller, room_id=room_id, product_ids=product_ids)


async def delete_product(db: Database, *, caller: Principal, product_id: int) -> None:
    """Delete a product that no upcoming or live show has on its shelf."""
    async with db.unit_of_work() as uow:
        await shelf.delete_product(uow, caller=caller, product_id=product_id)
