"""What the follows use cases share: the database, the clock, the settings they follow,
and the HTTP client the webhook sender posts with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from livecommerce.follows.sender import Policy
from livecommerce.storage.db import Database
from livecommerce.storage.models import utcnow


@dataclass
class Follows:
    db: Database
    base_url: str
    """Links in webhook bodies point here (the public URL)."""
    policy: Policy
    lead: timedelta = timedelta(minutes=10)
    chunk: int = 2000
    tick: float = 1.0
    clock: Callable[[], datetime] = utcnow
    client: httpx.AsyncClient = field(
        # Redirects are not followed: one could lead to an address the URL check refused.
        default_factory=lambda: httpx.AsyncClient(follow_redirects=False)
    )

    async def close(self) -> None:
        await self.client.aclose()
