"""Two app nodes on one database (and one Redis in the scaled shape)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.app import create_app
from livecommerce.follows.desk import Follows
from livecommerce.settings import Settings


@dataclass
class Node:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def desk(self) -> Follows:
        desk: Follows = self.app.state.resources.follows
        return desk


@pytest.fixture
async def two_nodes(settings: Settings) -> AsyncIterator[tuple[Node, Node]]:
    """Two apps sharing the deployment; their background loops wait an hour between
    passes, so the test runs the passes itself, at once on both nodes."""
    nodes = []
    async with AsyncExitStack() as stack:
        for name in ("node-a", "node-b"):
            update = {"node_id": name, "follows_tick_seconds": 3600, "reminder_chunk": 3}
            app = create_app(settings.model_copy(update=update))
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            await stack.enter_async_context(client)
            nodes.append(Node(app, client))
        yield nodes[0], nodes[1]
