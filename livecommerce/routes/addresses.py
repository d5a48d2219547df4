"""The caller's address book: list, add, edit, delete, choose the default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import SkipJsonSchema

from livecommerce.accounts import addresses, commands
from livecommerce.routes._fields import RowId, text
from livecommerce.routes.deps import CurrentUser, ResourcesDep

router = APIRouter(prefix="/api/me/addresses", tags=["addresses"])

# Loose bounds here keep absurd bodies out; the domain's limits (accounts.addresses.LIMITS)
# answer with ``invalid_address`` and say which field.
Loose = Annotated[str, text(max_length=2000)]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Loose
    phone: Loose
    region: Loose
    detail: Loose
    is_default: bool = False


class AddressPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Loose | SkipJsonSchema[None] = None
    phone: Loose | SkipJsonSchema[None] = None
    region: Loose | SkipJsonSchema[None] = None
    detail: Loose | SkipJsonSchema[None] = None


@router.get("")
async def mine(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """The caller's addresses, the default first."""
    async with resources.db.read() as session:
        found = await addresses.list_addresses(session, user_id=caller.user_id)
    return {"addresses": [a.as_dict() for a in found], "limits": addresses.LIMITS}


@router.post("", status_code=201)
async def add(body: AddressIn, caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    """Add an address (the first one is the default)."""
    fields = body.model_dump(exclude={"is_default"})
    made = await commands.add_address(
        resources.db, user_id=caller.user_id, fields=fields, make_default=body.is_default
    )
    return made.as_dict()


@router.patch("/{address_id}")
async def edit(
    address_id: RowId, body: AddressPatch, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Change some fields; orders already paid keep the address they were paid with."""
    fields = body.model_dump(exclude_none=True)
    changed = await commands.change_address(
        resources.db, user_id=caller.user_id, address_id=address_id, fields=fields
    )
    return changed.as_dict()


@router.post("/{address_id}/default")
async def make_default(
    address_id: RowId, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    chosen = await commands.set_default_address(
        resources.db, user_id=caller.user_id, address_id=address_id
    )
    return chosen.as_dict()


@router.delete("/{address_id}", status_code=204)
async def delete(address_id: RowId, caller: CurrentUser, resources: ResourcesDep) -> None:
    """Delete an address; if it was the default, the newest other one becomes it."""
    await commands.delete_address(resources.db, user_id=caller.user_id, address_id=address_id)
