"""WHIP (RFC 9725) for the host's publish and WHEP for viewers, in front of the media node.

A room's stream lives on the node that took the host's WHIP offer; that node records its
URL on the room, and a WHEP offer landing on another node is redirected there (307 keeps
the method and the body). Session URLs are absolute when ``public_url`` is set, so the
DELETE reaches the node that holds the session behind any load balancer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from livecommerce.errors import Conflict, InvalidInput, NotFound
from livecommerce.media import MediaNode
from livecommerce.resources import Resources
from livecommerce.rooms import commands as rooms
from livecommerce.rooms.lifecycle import RoomStatus
from livecommerce.rooms.service import load_room, require_manager
from livecommerce.routes._fields import RowId
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.routes.media_cors import ENDPOINT_METHODS, SESSION_METHODS

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["media"])

SDP = "application/sdp"
_SDP_BODY = {"requestBody": {"content": {SDP: {"schema": {"type": "string"}}}}}
_SDP_ANSWER: dict[int | str, dict[str, Any]] = {
    201: {"content": {SDP: {}}, "description": "the SDP answer"}
}


async def sdp_offer(request: Request) -> str:
    """The request body, which must be an SDP offer sent as application/sdp."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != SDP:
        raise HTTPException(415, f"send the SDP offer with Content-Type: {SDP}")
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the SDP offer is not UTF-8 text") from None


Offer = Annotated[str, Depends(sdp_offer)]

# A preflight's answer is its headers; documented as such so clients expect no JSON.
_NO_BODY: dict[int | str, dict[str, Any]] = {200: {"content": {}, "description": "no body"}}


@router.options("/whip", response_class=Response, responses=_NO_BODY)
@router.options("/whep", response_class=Response, responses=_NO_BODY)
async def endpoint_options(room_id: RowId) -> Response:
    """CORS preflight and discovery: the endpoints take SDP offers by POST."""
    return Response(status_code=200, headers={"Accept-Post": SDP, "Allow": ENDPOINT_METHODS})


_PROBE: dict[int | str, dict[str, Any]] = {
    200: {"content": {SDP: {}}, "description": "a WHIP/WHEP endpoint: POST an SDP offer"}
}


# One route per method: FastAPI gives a route of two methods one duplicated operation id.
@router.get("/whip", responses=_PROBE)
@router.head("/whip", responses=_PROBE)
@router.get("/whep", responses=_PROBE)
@router.head("/whep", responses=_PROBE)
async def endpoint_probe(room_id: RowId, resources: ResourcesDep) -> Response:
    """Discovery (WHEP draft 03 section 4.2): 200 and ``Content-Type: application/sdp``
    say "POST an SDP offer here"; the endpoint has no representation, so no body."""
    async with resources.db.read() as session:
        await load_room(session, room_id)
    return Response(status_code=200, media_type=SDP, headers={"Accept-Post": SDP})


@router.options("/whip/{resource_id}", response_class=Response, responses=_NO_BODY)
@router.options("/whep/{resource_id}", response_class=Response, responses=_NO_BODY)
async def session_options(room_id: RowId, resource_id: str) -> Response:
    """CORS preflight of a session's DELETE (a preflight carries no token to check)."""
    return Response(status_code=200, headers={"Allow": SESSION_METHODS})


@router.get("/whip/{resource_id}", status_code=204)
@router.head("/whip/{resource_id}", status_code=204)
@router.get("/whep/{resource_id}", status_code=204)
@router.head("/whep/{resource_id}", status_code=204)
async def session_probe(room_id: RowId, resource_id: str, resources: ResourcesDep) -> Response:
    """A session has no representation either: 204 while it exists on this node."""
    _session_node(resources, room_id, resource_id)
    return Response(status_code=204)


@router.post("/whip", status_code=201, openapi_extra=_SDP_BODY, responses=_SDP_ANSWER)
async def publish(
    room_id: RowId,
    offer: Offer,
    caller: CurrentUser,
    resources: ResourcesDep,
    takeover: bool = Query(default=False, description="replace the room's current publish"),
) -> Response:
    """The host goes live: 201 with the answer and the session URL in Location.

    409 ``already_publishing`` while another publish holds the room (the demo's test
    pattern, OBS); ``?takeover=true`` replaces it.
    """
    async with resources.db.read() as session:
        room = await load_room(session, room_id)
        await require_manager(session, room, caller)
        if room.status == RoomStatus.ENDED:
            raise Conflict("the room has ended")
    media = resources.media
    resource_id, answer = await media.publish(
        room_id, offer, replace=takeover, record=room.recordable
    )
    try:
        await _set_media_node(resources, room_id, _node_url(resources))
    except BaseException:
        await media.unpublish(resource_id)
        raise
    return _created(resources, room_id, "whip", resource_id, answer)


@router.delete("/whip/{resource_id}")
async def unpublish(
    room_id: RowId, resource_id: str, caller: CurrentUser, resources: ResourcesDep
) -> Response:
    """The host stops; every viewer's stream ends with it."""
    media = _session_node(resources, room_id, resource_id)
    async with resources.db.read() as session:
        await require_manager(session, await load_room(session, room_id), caller)
    await media.unpublish(resource_id)
    await _clear_media_node(resources, room_id)
    return Response(status_code=200)


@router.post("/whep", status_code=201, openapi_extra=_SDP_BODY, responses=_SDP_ANSWER)
async def watch(room_id: RowId, offer: Offer, resources: ResourcesDep) -> Response:
    """A viewer joins: 201 with the answer, or 307 to the node that holds the stream."""
    media = resources.media
    if not media.is_publishing(room_id):
        async with resources.db.read() as session:
            holder = (await load_room(session, room_id)).media_node
        if holder and holder != _node_url(resources):
            return RedirectResponse(f"{holder}/api/rooms/{room_id}/whep", status_code=307)
        if holder:
            await _clear_media_node(resources, room_id)  # left over from a crash
        raise NotFound("the room is not streaming")
    resource_id, answer = await media.watch(room_id, offer)
    return _created(resources, room_id, "whep", resource_id, answer)


@router.delete("/whep/{resource_id}")
async def leave(room_id: RowId, resource_id: str, resources: ResourcesDep) -> Response:
    """A viewer leaves. The unguessable session URL is the credential, as in WHEP."""
    await _session_node(resources, room_id, resource_id).leave(resource_id)
    return Response(status_code=200)


def _session_node(resources: Resources, room_id: int, resource_id: str) -> MediaNode:
    if resources.media.room_of(resource_id) != room_id:
        raise NotFound("no such media session on this node")
    return resources.media


def _node_url(resources: Resources) -> str:
    return resources.settings.node_public_url()


def _created(
    resources: Resources, room_id: int, kind: str, resource_id: str, answer: str
) -> Response:
    base = resources.settings.public_url.rstrip("/")
    headers = {"Location": f"{base}/api/rooms/{room_id}/{kind}/{resource_id}"}
    response = Response(answer, status_code=201, media_type=SDP, headers=headers)
    for server in resources.settings.media_ice_servers:
        for link in server.links():
            response.headers.append("Link", link)
    return response


async def _set_media_node(resources: Resources, room_id: int, node_url: str) -> None:
    await rooms.stream_started(resources.db, room_id=room_id, node_url=node_url)


async def _clear_media_node(resources: Resources, room_id: int) -> None:
    """Forget this node as the room's media node (another node may have taken over)."""
    await rooms.stream_stopped(resources.db, room_id=room_id, node_url=_node_url(resources))


def stream_ended_handler(resources: Resources) -> Callable[[int], Awaitable[None]]:
    """What the media node calls when a host's publish ends without a DELETE."""

    async def ended(room_id: int) -> None:
        await _clear_media_node(resources, room_id)

    return ended
