"""Catalog API: a merchant's products."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from livecommerce.catalog import commands, service
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.sales import commands as shelf_commands

router = APIRouter(prefix="/api/products", tags=["catalog"])

# Pydantic bounds reject absurd input early; the domain repeats the business rules.
BIG = 10**12
Amount = Annotated[int, Field(strict=True, ge=-BIG, le=BIG)]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = text(max_length=1000)
    description: str = text(default="", max_length=100_000)
    image_url: str = text(default="", max_length=2000)
    price_cents: int = Field(strict=True, ge=-BIG, le=BIG)
    stock: int = Field(strict=True, ge=-BIG, le=BIG)


class ProductPatch(BaseModel):
    """Only the fields sent change; none of them can be null (the domain refuses one),
    so the schema does not offer null."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, text(max_length=1000)] | SkipJsonSchema[None] = None
    description: Annotated[str, text(max_length=100_000)] | SkipJsonSchema[None] = None
    image_url: Annotated[str, text(max_length=2000)] | SkipJsonSchema[None] = None
    price_cents: Amount | SkipJsonSchema[None] = None
    stock: Amount | SkipJsonSchema[None] = None


@router.post("", status_code=201)
async def create(body: ProductIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    product = await commands.create_product(resources.db, caller=caller, **body.model_dump())
    return product.as_dict()


@router.get("")
async def mine(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        products = await service.list_products(session, merchant_id=caller.user_id)
    return {"products": [p.as_dict() for p in products]}


@router.get("/{product_id}")
async def get(product_id: RowId, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        return (await service.get_product(session, product_id)).as_dict()


@router.patch("/{product_id}")
async def update(
    product_id: RowId, body: ProductPatch, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    product = await commands.update_product(
        resources.db, caller=caller, product_id=product_id, changes=changes
    )
    return product.as_dict()


@router.delete("/{product_id}", status_code=204)
async def delete(product_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> None:
    await shelf_commands.delete_product(resources.db, caller=caller, product_id=product_id)
