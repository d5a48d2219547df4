"""The baseline for the media benchmark: aiortc's stock ``MediaRelay`` behind WHIP/WHEP.

A FastAPI app on uvicorn that takes the same offers on the same paths as a livecommerce
node (``/api/rooms/{room}/whip`` and ``/whep``, DELETE on the Location). Each viewer
gets ``relay.subscribe(track)``: the host's tracks are decoded once and every viewer's
sender encodes its own copy, which is what aiortc's examples do.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import uvicorn
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from fastapi import FastAPI, Request, Response

from tests.bench.media_procs import quiet

SDP = "application/sdp"


def create_app() -> FastAPI:
    app = FastAPI()
    relay = MediaRelay()
    sources: dict[str, MediaStreamTrack] = {}
    peers: dict[str, RTCPeerConnection] = {}
    drains: set[asyncio.Task[None]] = set()

    async def answer(pc: RTCPeerConnection, request: Request, path: str) -> Response:
        offer = (await request.body()).decode()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        return await _finish(pc, peers, path)

    @app.post("/api/rooms/{room_id}/whip")
    async def whip(room_id: int, request: Request) -> Response:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            sources[track.kind] = track
            # Read the host from the start, as a server showing the stream would: an
            # unread remote track queues every decoded frame, and the first viewer
            # would get that backlog as a burst above 30 fps.
            drains.add(asyncio.create_task(_drain(relay.subscribe(track, buffered=False))))

        return await answer(pc, request, f"/api/rooms/{room_id}/whip")

    @app.post("/api/rooms/{room_id}/whep")
    async def whep(room_id: int, request: Request) -> Response:
        if "video" not in sources:
            return Response("not streaming", status_code=404)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        offer = (await request.body()).decode()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        for track in sources.values():
            # addTrack after the offer reuses the viewer's recvonly transceiver.
            pc.addTrack(relay.subscribe(track))
        return await _finish(pc, peers, f"/api/rooms/{room_id}/whep")

    @app.delete("/api/rooms/{room_id}/{kind}/{resource_id}")
    async def leave(room_id: int, kind: str, resource_id: str) -> Response:
        pc = peers.pop(resource_id, None)
        if pc is None:
            return Response(status_code=404)
        await pc.close()
        return Response(status_code=200)

    return app


async def _finish(
    pc: RTCPeerConnection, peers: dict[str, RTCPeerConnection], path: str
) -> Response:
    await pc.setLocalDescription(await pc.createAnswer())
    resource_id = secrets.token_urlsafe(12)
    peers[resource_id] = pc
    headers = {"Location": f"{path}/{resource_id}"}
    return Response(pc.localDescription.sdp, status_code=201, media_type=SDP, headers=headers)


async def _drain(track: MediaStreamTrack) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


def serve(port: int) -> None:
    """Run the baseline server on 127.0.0.1:``port`` until terminated."""
    quiet()
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")
