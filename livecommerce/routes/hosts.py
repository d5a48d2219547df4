"""Hosts API: a host's public page (channel) as data, read-only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from livecommerce.follows.hosts import host_page
from livecommerce.routes._fields import RowId
from livecommerce.routes.deps import OptionalUser, ResourcesDep

router = APIRouter(tags=["hosts"])


@router.get("/api/hosts/{user_id}")
async def get_host(user_id: RowId, caller: OptionalUser, resources: ResourcesDep) -> dict[str, Any]:
    """A host's page: ``host`` {id, handle, display_name}, ``followers`` (counted from the
    follow rows), ``following`` (the caller follows them), the shows ``live`` now, the
    ``upcoming`` ones (soonest first, each with ``reminded`` and ``reminders``), and the
    published ``replays`` (latest first, with ``duration_seconds`` on air). A user who
    cannot host a show, or no user, is ``404 not_found``."""
    async with resources.db.read() as session:
        return await host_page(session, user_id, caller.user_id if caller else None)
