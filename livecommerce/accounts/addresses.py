"""A buyer's address book: name, phone, region and detail, one entry the default.

The default is what checkout ships to unless the buyer picks another, so a buyer with
one never has an extra step. The database holds "one default per buyer" as a partial
unique index; moving the default clears the old one first in the same transaction.
Merchants see phones masked (``mask_phone``): enough to tell parcels apart, not a
number to call from an export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.errors import InvalidAddress, NotFound, TooManyAddresses
from livecommerce.storage.models import Address, OrderAddress

MAX_ADDRESSES = 20
LIMITS = {"name": 40, "phone": 20, "region": 100, "detail": 200}
"""The longest each field may be, in characters (the columns are this wide)."""
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}[0-9]$")
FIELDS = tuple(LIMITS)


@dataclass(frozen=True, slots=True)
class AddressView:
    id: int
    name: str
    phone: str
    region: str
    detail: str
    is_default: bool

    @classmethod
    def of(cls, row: Address) -> AddressView:
        return cls(row.id, row.name, row.phone, row.region, row.detail, row.is_default)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "phone": self.phone, "region": self.region,
            "detail": self.detail, "is_default": self.is_default,
        }  # fmt: skip


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``: the first three and last four digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 7:
        return digits[:1] + "*" * max(0, len(digits) - 3) + digits[-2:]
    return f"{digits[:3]}****{digits[-4:]}"


def shipping_dict(row: OrderAddress, *, masked: bool) -> dict[str, str]:
    """An order's address as the buyer (``masked=False``) or the merchant sees it."""
    phone = mask_phone(row.phone) if masked else row.phone
    return {"name": row.name, "phone": phone, "region": row.region, "detail": row.detail}


def clean(fields: dict[str, str]) -> dict[str, str]:
    """The fields trimmed and checked against ``LIMITS``; the first bad one is refused."""
    cleaned: dict[str, str] = {}
    for name, value in fields.items():
        value = " ".join(value.split()) if name != "detail" else value.strip()
        if not value:
            raise InvalidAddress(f"{name} must not be empty")
        if len(value) > LIMITS[name] or "\x00" in value:
            raise InvalidAddress(f"{name} must be at most {LIMITS[name]} characters")
        cleaned[name] = value
    if "phone" in cleaned and not PHONE.match(cleaned["phone"]):
        raise InvalidAddress("phone must be 6-20 digits (spaces, dashes and a leading + allowed)")
    return cleaned


async def list_addresses(session: AsyncSession, *, user_id: int) -> list[AddressView]:
    """The buyer's addresses, the default first, then newest first."""
    rows = await session.scalars(
        select(Address)
        .where(Address.user_id == user_id)
        .order_by(Address.is_default.desc(), Address.id.desc())
    )
    return [AddressView.of(row) for row in rows]


async def _own(session: AsyncSession, *, user_id: int, address_id: int) -> Address:
    row = await session.get(Address, address_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"address {address_id} not found")
    return row


async def _clear_default(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(Address)
        .where(Address.user_id == user_id, Address.is_default.is_(True))
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()


async def create(
    session: AsyncSession, *, user_id: int, fields: dict[str, str], make_default: bool
) -> AddressView:
    """Add an address; the buyer's first one is the default whatever was asked."""
    values = clean({name: fields[name] for name in FIELDS})
    count = await session.scalar(select(func.count()).where(Address.user_id == user_id)) or 0
    if count >= MAX_ADDRESSES:
        raise TooManyAddresses(f"an address book holds at most {MAX_ADDRESSES} addresses")
    default = make_default or count == 0
    if default:
        await _clear_default(session, user_id)
    row = Address(user_id=user_id, is_default=default, **values)
    session.add(row)
    await session.flush()
    return AddressView.of(row)


async def change(
    session: AsyncSession, *, user_id: int, address_id: int, fields: dict[str, str]
) -> AddressView:
    """Edit some fields; orders already paid keep the copy they were paid with."""
    row = await _own(session, user_id=user_id, address_id=address_id)
    for name, value in clean(fields).items():
        setattr(row, name, value)
    await session.flush()
    return AddressView.of(row)


async def set_default(session: AsyncSession, *, user_id: int, address_id: int) -> AddressView:
    row = await _own(session, user_id=user_id, address_id=address_id)
    if not row.is_default:
        await _clear_default(session, user_id)
        row.is_default = True
        await session.flush()
    return AddressView.of(row)


async def remove(session: AsyncSession, *, user_id: int, address_id: int) -> None:
    """Delete an address; if it was the default, the newest remaining one becomes it."""
    row = await _own(session, user_id=user_id, address_id=address_id)
    was_default = row.is_default
    await session.delete(row)
    await session.flush()
    if was_default:
        newest = await session.scalar(
            select(Address).where(Address.user_id == user_id).order_by(Address.id.desc()).limit(1)
        )
        if newest is not None:
            newest.is_default = True
            await session.flush()


async def for_checkout(
    session: AsyncSession, *, user_id: int, address_id: int | None
) -> Address | None:
    """The address an order ships to: the one named, else the buyer's default."""
    if address_id is not None:
        return await _own(session, user_id=user_id, address_id=address_id)
    found: Address | None = await session.scalar(
        select(Address).where(Address.user_id == user_id, Address.is_default.is_(True))
    )
    return found
