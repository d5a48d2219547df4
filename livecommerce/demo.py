"""``livecommerce demo``: a working shop on the embedded default, from one command."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import shutil
import socket
import sys
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx

from livecommerce.accounts import service as accounts
from livecommerce.accounts.passwords import Passwords
from livecommerce.accounts.service import UserView
from livecommerce.accounts.tokens import Principal
from livecommerce.catalog import service as catalog
from livecommerce.demo_show import PIN_EVERY, run_show
from livecommerce.errors import NotFound
from livecommerce.logs import uvicorn_config
from livecommerce.media.client import publish_test_pattern
from livecommerce.resources import Resources
from livecommerce.rooms import service as rooms
from livecommerce.sales import service as sales
from livecommerce.settings import Settings
from livecommerce.storage.db import Database, UnitOfWork
from livecommerce.storage.migrate import upgrade
from livecommerce.storage.models import utcnow
from livecommerce.supervisor import until_stopped

log = logging.getLogger(__name__)

DEMO_DB = Path("livecommerce-demo.db")
LOCK_FILE = Path("livecommerce-demo.lock")
DEMO_DATA = Path("livecommerce-demo-data")
"""The demo's recordings and covers: wiped with its database, or a fresh demo's room 1
would replay an earlier demo's room 1."""
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


async def _people(uow: UnitOfWork, passwords: Passwords) -> list[UserView]:
    """The demo's three accounts, signed up unless a kept database has them already."""
    people = []
    for handle, name, role in USERS:
        try:
            people.append(await accounts.find_by_handle(uow.session, handle))
        except NotFound:
            made = await accounts.signup(
                uow.session, passwords=passwords, handle=handle,
                password=PASSWORD, display_name=name, role=role,
            )  # fmt: skip
            people.append(made)
    return people


async def _products(uow: UnitOfWork, merchant: Principal) -> list[int]:
    kept = await catalog.list_products(uow.session, merchant_id=merchant.user_id)
    if kept:
        return [p.id for p in kept]
    made = [
        await catalog.create_product(uow.session, caller=merchant, title=t, price_cents=p, stock=s)
        for t, p, s in PRODUCTS
    ]
    return [product.id for product in made]


async def _schedule_rooms(uow: UnitOfWork, merchant: Principal, host: int, ids: list[int]) -> int:
    """A room to go live now and one two hours ahead; the first one's id."""
    live = await rooms.schedule_room(
        uow, caller=merchant, title="Spring tea tasting 春茶品鉴", host=host,
        scheduled_at=utcnow(), product_ids=ids,
    )  # fmt: skip
    await rooms.schedule_room(
        uow, caller=merchant, title="Scarf styling 围巾搭配", host=host,
        scheduled_at=utcnow() + timedelta(hours=2), product_ids=ids[1:3],
    )  # fmt: skip
    return live.id


async def _go_live(db: Database, host: Principal, room_id: int, product_id: int) -> None:
    async with db.unit_of_work() as uow:
        await rooms.start_room(uow, caller=host, room_id=room_id)
        await rooms.pin_product(uow, caller=host, room_id=room_id, product_id=product_id)
        # The app rebuilds its gate from the database at startup.
        await sales.schedule_sale(
            uow, caller=host, room_id=room_id, product_id=product_id, price_cents=990,
            quantity=50, per_user_limit=2, countdown_seconds=DEAL_COUNTDOWN_SECONDS,
            duration_seconds=10 * 60,
        )  # fmt: skip


async def seed(settings: Settings) -> dict[str, int]:
    """Users, products, one live room with a pinned product, one upcoming room; a kept
    database's live demo room is used as it is (its accounts and products too)."""
    db = Database(settings.database_url)
    passwords = Passwords(memory_kib=settings.password_hash_memory_kib)
    try:
        async with db.unit_of_work() as uow:
            merchant, host, viewer = [user.principal() for user in await _people(uow, passwords)]
            ids = await _products(uow, merchant)
            live = await rooms.list_rooms(uow.session, status="live", host_id=host.user_id)
            if live:
                room_id = live[0].id
            else:
                room_id = await _schedule_rooms(uow, merchant, host.user_id, ids)
        if not live:
            await _go_live(db, host, room_id, ids[0])
        return {"room_id": room_id, "product_id": ids[0], "host_id": host.user_id,
                "viewer_id": viewer.user_id}  # fmt: skip
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
        f"  replay:   {base}/replay/{seeded['room_id']}   (once you end the show in the studio)",
        f"  logins:   demo_shop / demo_host / demo_viewer, password {PASSWORD}",
        f"  API docs: {base}/docs",
        "",
    ]
    return "\n".join(lines)


async def _broadcast_test_pattern(
    resources: Resources, seeded: dict[str, int], pin_every: float
) -> None:
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
    room_id = seeded["room_id"]
    host = Principal(seeded["host_id"], "demo_host", "host")
    viewer = Principal(seeded["viewer_id"], "demo_viewer", "viewer")
    session = await publish_test_pattern(
        f"{base}/api/rooms/{room_id}/whip", resources.tokens.issue(host)
    )
    try:
        # The host pins the shelf in turn and a viewer chats: a minute of it replays.
        await run_show(resources, room_id=room_id, host=host, viewer=viewer, pin_every=pin_every)
        await until_stopped()
    finally:
        await session.close()


def _say(text: str) -> None:
    """Progress on stderr, so stdout keeps only the banner."""
    print(f"demo: {text}", file=sys.stderr, flush=True)


def _lock(path: Path) -> IO[str] | None:
    """An exclusive lock beside the demo database, held while the demo runs; None when
    another demo in this folder holds it (whose database must not be wiped)."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _listen(host: str, port: int) -> socket.socket | None:
    """The server's listening socket, bound before anything is touched; None if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # listening at once: a second demo's bind fails right here
    except OSError as exc:
        sock.close()
        _say(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port")
        return None
    return sock


def run_demo(
    *, host: str, port: int, fresh: bool = True, verbose: bool = False, pin_every: float = PIN_EVERY
) -> int:
    lock = _lock(LOCK_FILE)
    if lock is None:
        _say(f"another demo is running in this folder ({LOCK_FILE} is locked); stop it first")
        return 1
    with lock:
        sock = _listen(host, port)
        if sock is None:
            return 1
        return _run(sock, host=host, port=port, fresh=fresh, verbose=verbose, pin_every=pin_every)


def _run(
    sock: socket.socket, *, host: str, port: int, fresh: bool, verbose: bool, pin_every: float
) -> int:
    import uvicorn

    from livecommerce.app import create_app

    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(DEMO_DATA, ignore_errors=True)
    # The demo is for trying the shop, paying included: the sandbox is on whatever the
    # environment says.
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///./{DEMO_DB}", data_dir=str(DEMO_DATA),
        host=host, port=port, payments_sandbox=True,
    )  # fmt: skip
    _say(f"migrating {DEMO_DB}")
    upgrade(settings.database_url)
    _say("creating the demo shop (accounts, products, a live room)")
    seeded = asyncio.run(seed(settings))
    print(_banner(settings, seeded), flush=True)
    log.info(settings.sandbox_notice())

    async def go_live(resources: Resources) -> None:
        video = _broadcast_test_pattern(resources, seeded, pin_every)
        resources.spawn(video, "demo-test-pattern")

    app = create_app(settings, on_startup=[go_live])
    libraries = "info" if verbose else settings.library_log_level
    config = uvicorn.Config(app, log_config=uvicorn_config("info", libraries))
    uvicorn.Server(config).run(sockets=[sock])
    return 0
