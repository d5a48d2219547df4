"""``livecommerce demo``: a working shop on the embedded default, from one command."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import httpx

from livecommerce.accounts import service as accounts
from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.tokens import Principal
from livecommerce.catalog import service as catalog
from livecommerce.logs import uvicorn_config
from livecommerce.media.client import publish_test_pattern
from livecommerce.resources import Resources
from livecommerce.rooms import service as rooms
from livecommerce.sales import service as sales
from livecommerce.settings import Settings
from livecommerce.storage.db import Database
from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import utcnow
from livecommerce.supervisor import until_stopped

log = logging.getLogger(__name__)

DEMO_DB = Path("livecommerce-demo.db")
DEAL_COUNTDOWN_SECONDS = 60
"""Long enough to open the room and watch the countdown; short enough to wait for."""
PASSWORD = "demo-password"
USERS = (
    ("demo_shop", "Demo Shop 示范小店", "merchant"),
    ("demo_host", "Host Lin 林主播", "host"),
    ("demo_viewer", "Viewer Wang 小王", "viewer"),
)
PRODUCTS = (
    ("Oolong tea 乌龙茶 250g", 5900, 500),
    ("Silk scarf 真丝围巾", 19900, 120),
    ("Bamboo phone stand 竹制手机支架", 2900, 800),
    ("Hand cream 护手霜", 3900, 300),
)


async def seed(settings: Settings) -> dict[str, int]:
    """Users, products, one live room with a pinned product, one upcoming room."""
    db = Database(settings.database_url)
    passwords = Passwords(memory_kib=settings.password_hash_memory_kib)
    try:
        async with db.unit_of_work() as uow:
            users = [
                await accounts.signup(
                    uow.session,
                    passwords=passwords,
                    handle=h,
                    password=PASSWORD,
                    display_name=n,
                    role=r,
                )
                for h, n, r in USERS
            ]
            merchant, host = users[0].principal(), users[1].principal()
            products = [
                await catalog.create_product(
                    uow.session, caller=merchant, title=t, price_cents=p, stock=s
                )
                for t, p, s in PRODUCTS
            ]
            ids = [p.id for p in products]
            live = await rooms.schedule_room(
                uow,
                caller=merchant,
                title="Spring tea tasting 春茶品鉴",
                host=host.user_id,
                scheduled_at=utcnow(),
                product_ids=ids,
            )
            await rooms.schedule_room(
                uow,
                caller=merchant,
                title="Scarf styling 围巾搭配",
                host=host.user_id,
                scheduled_at=utcnow() + timedelta(hours=2),
                product_ids=ids[1:3],
            )
        async with db.unit_of_work() as uow:
            await rooms.start_room(uow, caller=host, room_id=live.id)
            await rooms.pin_product(uow, caller=host, room_id=live.id, product_id=ids[0])
            # The app rebuilds its gate from the database at startup.
            await sales.schedule_sale(
                uow,
                caller=host,
                room_id=live.id,
                product_id=ids[0],
                price_cents=990,
                quantity=50,
                per_user_limit=2,
                countdown_seconds=DEAL_COUNTDOWN_SECONDS,
                duration_seconds=10 * 60,
            )
        return {"room_id": live.id, "product_id": ids[0], "host_id": host.user_id}
    finally:
        await db.dispose()


def _banner(settings: Settings, seeded: dict[str, int]) -> str:
    base = settings.node_public_url()
    lines = [
        "",
        "livecommerce demo is starting",
        f"  home:     {base}/",
        f"  room:     {base}/rooms/{seeded['room_id']}",
        f"  studio:   {base}/studio/{seeded['room_id']}   (log in as demo_host)",
        f"  console:  {base}/console              (log in as demo_shop)",
        f"  logins:   demo_shop / demo_host / demo_viewer, password {PASSWORD}",
        f"  API docs: {base}/docs",
        "",
    ]
    return "\n".join(lines)


async def _broadcast_test_pattern(resources: Resources, room_id: int, host_id: int) -> None:
    """Go live through the real WHIP endpoint, as OBS or the studio page would."""
    base = resources.settings.node_public_url()
    async with httpx.AsyncClient(timeout=5.0) as client:
        while True:  # the server starts listening just after the lifespan startup
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    token = resources.tokens.issue(Principal(host_id, "demo_host", "host"))
    session = await publish_test_pattern(f"{base}/api/rooms/{room_id}/whip", token)
    try:
        await until_stopped()
    finally:
        await session.close()


def run_demo(*, host: str, port: int, fresh: bool = True) -> int:
    import uvicorn

    from livecommerce.app import create_app

    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
    # The demo is for trying the shop, paying included: the sandbox is on whatever the
    # environment says.
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///./{DEMO_DB}", host=host, port=port, payments_sandbox=True
    )
    upgrade(settings.database_url)
    seeded = asyncio.run(seed(settings))
    print(_banner(settings, seeded), flush=True)
    log.info(settings.sandbox_notice())

    async def go_live(resources: Resources) -> None:
        video = _broadcast_test_pattern(resources, seeded["room_id"], seeded["host_id"])
        resources.spawn(video, "demo-test-pattern")

    app = create_app(settings, on_startup=[go_live])
    uvicorn.run(app, host=host, port=port, log_config=uvicorn_config())
    return 0
