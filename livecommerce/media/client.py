"""A WHIP/WHEP client on aiortc: the demo's synthetic host, the tests and the load tool.

``publish_test_pattern`` is the entry point the demo uses; ``whip_publish`` and
``whep_watch`` speak the protocols (RFC 9725 and the WHEP draft) to any server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack

from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack

Exchange = Callable[[str], Awaitable[str]]
SDP = "application/sdp"


@dataclass(eq=False)
class MediaSession:
    """A live WHIP or WHEP session; ``close()`` DELETEs the resource and hangs up."""

    pc: RTCPeerConnection
    resource_url: str | None = None
    tracks: list[MediaStreamTrack] = field(default_factory=list)
    client: httpx.AsyncClient | None = None
    headers: dict[str, str] = field(default_factory=dict)
    owns_client: bool = False

    async def close(self) -> None:
        try:
            if self.client is not None and self.resource_url is not None:
                await self.client.delete(self.resource_url, headers=self.headers)
        except httpx.HTTPError:
            pass  # the server ends the session on its own when the connection drops
        finally:
            await self.pc.close()
            if self.owns_client and self.client is not None:
                await self.client.aclose()


def publisher(
    tracks: Sequence[MediaStreamTrack], *, video_codec: str | None = None
) -> RTCPeerConnection:
    """A send-only peer connection; ``video_codec`` (e.g. "video/H264") forces a codec."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    for track in tracks:
        transceiver = pc.addTransceiver(track, direction="sendonly")
        if track.kind == "video" and video_codec is not None:
            codecs = RTCRtpSender.getCapabilities("video").codecs
            wanted = [c for c in codecs if c.mimeType.lower() == video_codec.lower()]
            transceiver.setCodecPreferences(wanted)
    return pc


def viewer() -> MediaSession:
    """A receive-only audio+video peer connection that collects the tracks it gets."""
    session = MediaSession(pc=RTCPeerConnection(RTCConfiguration(iceServers=[])))
    session.pc.addTransceiver("video", direction="recvonly")
    session.pc.addTransceiver("audio", direction="recvonly")
    session.pc.on("track", session.tracks.append)
    return session


async def negotiate(pc: RTCPeerConnection, exchange: Exchange) -> None:
    """Offer (with every ICE candidate gathered: no trickle), then apply the answer."""
    await pc.setLocalDescription(await pc.createOffer())
    answer = await exchange(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))


async def whip_publish(
    url: str,
    token: str,
    tracks: Sequence[MediaStreamTrack],
    *,
    client: httpx.AsyncClient,
    video_codec: str | None = None,
) -> MediaSession:
    """Publish ``tracks`` to a WHIP endpoint with a bearer token."""
    session = MediaSession(pc=publisher(tracks, video_codec=video_codec), client=client)
    session.headers = {"Authorization": f"Bearer {token}"}
    await _post_offer(session, url)
    return session


async def whep_watch(
    url: str,
    *,
    client: httpx.AsyncClient,
    token: str | None = None,
    session: MediaSession | None = None,
) -> MediaSession:
    """Watch a WHEP endpoint; the remote tracks land in ``session.tracks``.

    Pass a ``session`` made by ``viewer()`` to adjust its receivers first (the load
    generator taps them to count frames without decoding).
    """
    session = session or viewer()
    session.client = client
    if token is not None:
        session.headers = {"Authorization": f"Bearer {token}"}
    await _post_offer(session, url)
    return session


async def publish_test_pattern(
    whip_url: str,
    token: str,
    *,
    client: httpx.AsyncClient | None = None,
    width: int = 640,
    height: int = 360,
    video_codec: str | None = "video/H264",
) -> MediaSession:
    """Go live with the moving test pattern and a tone; ``await session.close()`` to stop.

    H.264 by default, the codec a show is recorded in (and so has HLS and a replay)."""
    tracks = [PatternVideoTrack(width, height), ToneAudioTrack()]
    http = client or httpx.AsyncClient(timeout=30.0)
    try:
        session = await whip_publish(whip_url, token, tracks, client=http, video_codec=video_codec)
    except BaseException:
        if client is None:
            await http.aclose()
        raise
    session.owns_client = client is None
    return session


async def _post_offer(session: MediaSession, url: str) -> None:
    assert session.client is not None
    client = session.client

    async def exchange(offer: str) -> str:
        headers = {**session.headers, "Content-Type": SDP}
        # WHEP may redirect to the node that holds the room's stream (307 keeps the body).
        response = await client.post(url, content=offer, headers=headers, follow_redirects=True)
        response.raise_for_status()
        session.resource_url = urljoin(str(response.url), response.headers["Location"])
        return response.text

    try:
        await negotiate(session.pc, exchange)
    except BaseException:
        await session.pc.close()
        raise
