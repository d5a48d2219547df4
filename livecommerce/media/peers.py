"""Peer connections the node holds: one per host publish and one per viewer."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from livecommerce.errors import InvalidInput
from livecommerce.ice_servers import IceServer
from livecommerce.media.aiortc_hooks import widen_dtls_ciphers
from livecommerce.media.sdp import Offer
from livecommerce.media.tracks import RelayTrack

Role = Literal["host", "viewer"]


@dataclass(eq=False, slots=True)
class Peer:
    resource_id: str
    room_id: int
    role: Role
    pc: RTCPeerConnection
    tracks: list[RelayTrack] = field(default_factory=list)
    watchdog: asyncio.Task[None] | None = None


def new_peer(room_id: int, role: Role, ice_servers: Sequence[IceServer]) -> Peer:
    # An explicit empty list matters: aiortc falls back to a public Google STUN
    # server when none is configured.
    config = RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=server.urls, username=server.username, credential=server.credential)
            for server in ice_servers
        ]
    )
    pc = RTCPeerConnection(configuration=config)
    widen_dtls_ciphers(pc)
    return Peer(resource_id=secrets.token_urlsafe(16), room_id=room_id, role=role, pc=pc)


async def answer_offer(pc: RTCPeerConnection, offer: Offer) -> str:
    """Apply the client's offer and return our answer (ICE candidates included)."""
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
    except Exception as exc:  # aiortc raises ValueError and its own errors on bad offers
        raise InvalidInput(f"the SDP offer cannot be used: {exc}") from exc
    await pc.setLocalDescription(await pc.createAnswer())
    return str(pc.localDescription.sdp)


def supervise(
    peer: Peer,
    *,
    connect_timeout: float,
    on_failed: Callable[[Peer], None],
    on_timed_out: Callable[[Peer], None],
    on_closed: Callable[[Peer], None],
) -> None:
    """Report a peer whose connection fails, does not connect in time, or is hung up.

    aiortc closes a connection by itself when the remote end closes DTLS, e.g. a
    viewer that hangs up without a DELETE; ``on_closed`` lets the node forget it.
    """

    async def deadline() -> None:
        await asyncio.sleep(connect_timeout)
        if peer.pc.connectionState != "connected":
            on_timed_out(peer)

    def on_state_change() -> None:
        state = peer.pc.connectionState
        if state == "connected" and peer.watchdog is not None:
            peer.watchdog.cancel()
        elif state == "failed":
            on_failed(peer)
        elif state == "closed":
            on_closed(peer)

    peer.pc.on("connectionstatechange", on_state_change)
    peer.watchdog = asyncio.create_task(deadline())


def stop_watchdog(peer: Peer) -> None:
    if peer.watchdog is not None and peer.watchdog is not asyncio.current_task():
        peer.watchdog.cancel()
