"""HTML pages (Jinja2): home, room, host, studio, merchant console, and the account forms.

Pages render what a first paint needs on the server; the scripts in ``web/static/js``
then keep it live through the JSON API and the room WebSocket.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from livecommerce.follows import views as follow_views
from livecommerce.follows.hosts import host_page
from livecommerce.orders.lifecycle import OrderStatus
from livecommerce.orders.summary import show_sold
from livecommerce.referrals.cards import room_card
from livecommerce.rooms import moderation
from livecommerce.rooms import service as rooms
from livecommerce.rooms.chat import blocked_words, recent_messages
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.replays import list_replays
from livecommerce.routes import _page_auth, _report_page, share_pages
from livecommerce.routes._fields import RowId
from livecommerce.routes._pagekit import render, to_login
from livecommerce.routes.deps import OptionalUser, ResourcesDep
from livecommerce.routes.replays import replay_data

router = APIRouter(include_in_schema=False)
router.include_router(_page_auth.router)
router.include_router(share_pages.router)

HOME_LIMIT = 24


@router.get("/")
async def home(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    async with resources.db.read() as session:
        live = await rooms.list_rooms(session, status="live", limit=HOME_LIMIT)
        followed: set[int] = set()
        if caller is None:
            upcoming = await rooms.list_rooms(session, status="scheduled", limit=HOME_LIMIT)
        else:  # the shows of hosts and shops the viewer follows come first
            upcoming, followed = await follow_views.upcoming_for(
                session, caller.user_id, limit=HOME_LIMIT
            )
        ended = await list_replays(session, limit=HOME_LIMIT)
    context = {
        "live": [r.as_dict() for r in live],
        "upcoming": [{**r.as_dict(), "followed": r.id in followed} for r in upcoming],
        "replays": [r.as_dict() for r in ended],
    }
    return render(request, resources, caller, "home.html", context)


@router.get("/rooms/{room_id}")
async def room_page(
    room_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    keep = await share_pages.arrival(request, resources, caller)
    async with resources.db.read() as session:
        room = await rooms.load_room(session, room_id)
        detail = (await rooms.room_detail(session, room_id)).as_dict()
        card = await room_card(session, room_id)
        me = await moderation.standing(session, room, caller)
        page_data: dict[str, Any] = {"room": detail, "me": me}
        page_data["follow"] = await follow_views.standing(
            session, room, caller.user_id if caller else None
        )
        if room.status == RoomStatus.ENDED:
            # Nobody joins an ended show to chat: its chat and its sales are the page.
            page_data["chat"] = [m.as_dict() for m in await recent_messages(session, room_id)]
            page_data["sold"] = [line.as_dict() for line in await show_sold(session, room_id)]
    og = share_pages.share_card(request, card, f"/rooms/{room_id}")
    context = {"room": detail, "me": me, "page_data": page_data, "og": og}
    response = render(request, resources, caller, "room.html", context)
    if keep is not None:
        keep(response)
    return response


@router.get("/hosts/{user_id}")
async def host(
    user_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    """A host's page (channel): followers, the show live now, upcoming shows, replays."""
    async with resources.db.read() as session:
        data = await host_page(session, user_id, caller.user_id if caller else None)
    context = {**data, "page_data": data}
    return render(request, resources, caller, "host.html", context)


@router.get("/replay/{room_id}")
async def replay_page(
    room_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    """An ended show's shoppable replay: video, timeline, shelf, chat in time."""
    data = await replay_data(resources, room_id, caller)
    context = {"room": data["room"], "page_data": data}
    return render(request, resources, caller, "replay.html", context)


@router.get("/studio")
async def studio_index(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    if caller is None:
        return to_login(request)
    async with resources.db.read() as session:
        hosted = await rooms.list_rooms(session, host_id=caller.user_id)
        owned = await rooms.list_rooms(session, merchant_id=caller.user_id)
    shows = {r.id: r.as_dict() for r in [*hosted, *owned]}
    return render(request, resources, caller, "studio_index.html", {"shows": list(shows.values())})


@router.get("/studio/{room_id}")
async def studio_page(
    room_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    if caller is None:
        return to_login(request)
    async with resources.db.read() as session:
        room = await rooms.load_room(session, room_id)
        # Moderators get the studio too: it is where chat is moderated.
        await rooms.require_manager(session, room, caller, moderators=True)
        detail = (await rooms.room_detail(session, room_id)).as_dict()
    # Moderators see chat moderation and the pin; camera, going live, ending and deals
    # are the host's and merchant's (the API refuses them to moderators).
    runs = rooms.runs_room(room, caller.user_id, caller.role)
    context: dict[str, Any] = {
        "room": detail,
        "runs_room": runs,
        "slow_mode_seconds": room.slow_mode_seconds,
        "blocked_words": blocked_words(room),
        "page_data": {"room": detail, "runs_room": runs},
    }
    return render(request, resources, caller, "studio.html", context)


@router.get("/orders")
async def my_orders(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    if caller is None:
        return to_login(request)
    return render(request, resources, caller, "orders.html")


@router.get("/notifications")
async def my_notifications(
    request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    if caller is None:
        return to_login(request)
    return render(request, resources, caller, "notifications.html")


@router.get("/console")
async def console(request: Request, resources: ResourcesDep, caller: OptionalUser) -> Response:
    if caller is None:
        return to_login(request)
    allowed = caller.role in ("merchant", "admin")
    status = 200 if allowed else 403
    context = {"allowed": allowed, "order_statuses": [s.value for s in OrderStatus]}
    return render(request, resources, caller, "console.html", context, status=status)


@router.get("/console/rooms/{room_id}/report")
async def show_report(
    room_id: RowId, request: Request, resources: ResourcesDep, caller: OptionalUser
) -> Response:
    """The post-show report: the room's host, its merchant and admins; others get 403."""
    if caller is None:
        return to_login(request)
    async with resources.db.read() as session:
        room = await rooms.load_room(session, room_id)
        await rooms.require_manager(session, room, caller)
        detail = (await rooms.room_detail(session, room_id)).as_dict()
        answers = await _report_page.load(session, resources, room)
    context = _report_page.context(detail, answers)
    return render(request, resources, caller, "report.html", context)
