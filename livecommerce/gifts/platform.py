"""What the platform (an admin) decides about gifts: minors, muted hosts, earnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livecommerce.accounts.tokens import Principal
from livecommerce.errors import NotFound, PermissionDenied
from livecommerce.gifts import ledger
from livecommerce.storage.gift_models import GiftMute
from livecommerce.storage.models import User


def require_admin(caller: Principal) -> None:
    if caller.role != "admin":
        raise PermissionDenied("only the platform's admins may do this")


async def set_minor(session: AsyncSession, *, caller: Principal, user_id: int,
                    minor: bool) -> None:  # fmt: skip
    require_admin(caller)
    changed = await session.execute(update(User).where(User.id == user_id).values(is_minor=minor))
    if not changed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"user {user_id} not found")


async def mute_host(session: AsyncSession, *, caller: Principal, host_id: int,
                    until: datetime, reason: str) -> None:  # fmt: skip
    """Stop ``host_id`` receiving gifts until ``until`` (a later call replaces it)."""
    require_admin(caller)
    if await session.get(User, host_id) is None:
        raise NotFound(f"user {host_id} not found")
    mute = await session.get(GiftMute, host_id)
    if mute is None:
        session.add(GiftMute(host_id=host_id, until=until, reason=reason))
    else:
        mute.until, mute.reason = until, reason


async def unmute_host(session: AsyncSession, *, caller: Principal, host_id: int) -> None:
    require_admin(caller)
    await session.execute(delete(GiftMute).where(GiftMute.host_id == host_id))


async def muted_until(session: AsyncSession, host_id: int) -> datetime | None:
    return await session.scalar(select(GiftMute.until).where(GiftMute.host_id == host_id))


@dataclass(frozen=True, slots=True)
class Earnings:
    payable_cents: int
    """Received, still within the settlement delay (the platform may reverse it)."""
    available_cents: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def earnings(session: AsyncSession, host_id: int) -> Earnings:
    """A host's gift money, summed from the ledger's postings."""
    payable = await ledger.balance(session, ledger.code_of(ledger.HOST_PAYABLE, host_id))
    available = await ledger.balance(session, ledger.code_of(ledger.HOST_AVAILABLE, host_id))
    return Earnings(payable, available)
