"""Fixtures for the relay tests: a node, an aiortc host and aiortc viewers, on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiortc import RTCPeerConnection

from livecommerce.media.client import MediaSession, negotiate, publisher, viewer
from livecommerce.media.relay import RelayNode
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack

ROOM = 7


@dataclass
class Host:
    pc: RTCPeerConnection
    resource_id: str


@dataclass
class Ended:
    rooms: list[int] = field(default_factory=list)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, room_id: int) -> None:
        self.rooms.append(room_id)
        self.event.set()


@pytest.fixture
def ended() -> Ended:
    return Ended()


@pytest.fixture
async def node(ended: Ended) -> AsyncIterator[RelayNode]:
    relay = RelayNode(max_viewers=4, connect_timeout=15.0, on_stream_ended=ended)
    yield relay
    await relay.close()


@pytest.fixture
async def pcs() -> AsyncIterator[list[RTCPeerConnection]]:
    """Client peer connections to close after the test."""
    opened: list[RTCPeerConnection] = []
    yield opened
    await asyncio.gather(*(pc.close() for pc in opened))


StartHost = Callable[..., Awaitable[Host]]
StartViewer = Callable[..., Awaitable[MediaSession]]


@pytest.fixture
def start_host(node: RelayNode, pcs: list[RTCPeerConnection]) -> StartHost:
    async def start(
        room_id: int = ROOM, video_codec: str | None = None, audio: bool = True
    ) -> Host:
        tracks = [PatternVideoTrack(160, 120), *([ToneAudioTrack()] if audio else [])]
        pc = publisher(tracks, video_codec=video_codec)
        pcs.append(pc)
        ids: list[str] = []

        async def exchange(offer: str) -> str:
            resource_id, answer = await node.publish(room_id, offer)
            ids.append(resource_id)
            return answer

        await negotiate(pc, exchange)
        return Host(pc=pc, resource_id=ids[0])

    return start


@pytest.fixture
def start_viewer(node: RelayNode, pcs: list[RTCPeerConnection]) -> StartViewer:
    async def start(room_id: int = ROOM) -> MediaSession:
        session = viewer()
        pcs.append(session.pc)

        async def exchange(offer: str) -> str:
            resource_id, answer = await node.watch(room_id, offer)
            session.resource_url = resource_id
            return answer

        await negotiate(session.pc, exchange)
        return session

    return start
