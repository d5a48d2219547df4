from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy import select

from livecommerce.app import create_app
from livecommerce.hub import Event
from livecommerce.resources import Resources
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.models import FlashSale
from livecommerce.supervisor import Supervisor, pause, supervised
from tests.routes.test_sales import launch, shop_with_room
from tests.sql import statements


async def test_loop_ends_at_its_next_pause_not_mid_pass() -> None:
    """Stopping lets a loop finish its pass and end at the next pause, not cancelled."""
    supervisor = Supervisor(grace=5)
    passes: list[str] = []

    async def loop() -> None:
        while True:
            passes.append("start")
            await asyncio.sleep(0.2)  # a "query" that must not be interrupted
            passes.append("end")
            await pause(3600)

    task = supervisor.spawn(loop(), "loop")
    await asyncio.sleep(0.05)
    async with asyncio.timeout(5):
        await supervisor.stop()
    assert task.done()
    assert passes == ["start", "end"]


async def test_a_task_that_ignores_the_signal_is_cancelled_after_the_grace() -> None:
    """A task that never pauses gets the grace period, then it is cancelled."""
    supervisor = Supervisor(grace=0.2)
    task = supervisor.spawn(asyncio.sleep(3600), "stubborn")
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(5):
        await supervisor.stop()
    assert task.cancelled()
    assert 0.2 <= loop.time() - started < 2


async def test_tasks_spawned_by_a_supervised_task_are_supervised_too() -> None:
    """Work a loop hands off (a buyer notification) also finishes before stop returns."""
    supervisor = Supervisor(grace=5)
    finished: list[str] = []

    async def notify() -> None:
        await asyncio.sleep(0.2)
        finished.append("notified")

    async def loop() -> None:
        supervisor.spawn(notify(), "notify")
        await pause(3600)

    supervisor.spawn(loop(), "loop")
    await asyncio.sleep(0.01)
    async with asyncio.timeout(5):
        await supervisor.stop()
    assert finished == ["notified"]


async def test_pause_without_a_supervisor_just_sleeps() -> None:
    """Outside a supervisor's task, pause is a plain sleep."""
    async with asyncio.timeout(5):
        await pause(0.01)


async def test_a_statement_knows_whether_a_loop_sent_it() -> None:
    """A loop's SQL is told from the test's own, through SQLAlchemy's greenlets."""
    db = Database("sqlite+aiosqlite:///:memory:")
    supervisor = Supervisor()

    async def loop() -> None:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 'loop'")

    try:
        with statements(db.engine) as sent:
            await supervisor.spawn(loop(), "loop")
            await db.ping()
    finally:
        await supervisor.stop()
        await db.dispose()
    assert sent == ["SELECT 1"]
    assert not supervised()


async def test_stopping_the_app_mid_pass_lets_the_pass_finish(settings: Settings) -> None:
    """Shutdown while the scheduler is publishing a deal's end: the pass completes, so
    the deal is ended in the database and its ``sale.ended`` reached the hub."""
    app = create_app(settings)
    published: list[str] = []
    publishing = asyncio.Event()
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        real_publish = resources.hub.publish

        async def slow_publish(
            room_id: int, type: str, data: Mapping[str, Any], **options: Any
        ) -> Event:
            if type == "sale.ended":  # the test hook: this pass is slow
                publishing.set()
                await asyncio.sleep(0.5)
            result = await real_publish(room_id, type, data, **options)
            published.append(type)
            return result

        resources.hub.publish = slow_publish  # type: ignore[method-assign]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            shop, _, rid, pid = await shop_with_room(client, live=True)
            sale = await launch(client, shop, rid, pid, countdown_seconds=0, duration_seconds=1)
            sale_id = sale.json()["id"]
            async with asyncio.timeout(10):
                await publishing.wait()
    assert "sale.ended" in published
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            status = await session.scalar(select(FlashSale.status).where(FlashSale.id == sale_id))
    finally:
        await db.dispose()
    assert status == "ended"
