"""The built-in media node: WHIP in, WHEP out, encoded frames relayed with aiortc.

Each viewer costs packetisation and SRTP only: the host's frames are never decoded
and never re-encoded (see ``aiortc_hooks`` and ``tracks``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from livecommerce.errors import AlreadyPublishing, InvalidInput, NotFound, Unavailable
from livecommerce.ice_servers import IceServer
from livecommerce.media.aiortc_hooks import redirect_keyframe_requests
from livecommerce.media.node import MediaStats, RecordingStatus, StreamEndedCallback
from livecommerce.media.peers import Peer, answer_offer, new_peer, stop_watchdog, supervise
from livecommerce.media.recorders import Recordings
from livecommerce.media.recording import Recorder
from livecommerce.media.sdp import (
    RECEIVING,
    SENDING,
    Offer,
    codec_preferences,
    direction_of,
    parse_offer,
    relay_codec,
)
from livecommerce.media.stream import HostStream
from livecommerce.supervisor import Spawn, Supervisor

logger = logging.getLogger(__name__)

_SHUTDOWN_GRACE = 5.0


class RelayNode:
    """A ``MediaNode`` that relays in-process; one host publish per room."""

    def __init__(
        self,
        *,
        max_viewers: int = 500,
        connect_timeout: float = 20.0,
        keyframe_interval: float = 1.0,
        retry_after: float = 5.0,
        ice_servers: Sequence[IceServer] = (),
        on_stream_ended: StreamEndedCallback | None = None,
        video_buffer_frames: int = 8,
        audio_buffer_frames: int = 16,
        spawn: Spawn | None = None,
        recordings: Recordings | None = None,
    ) -> None:
        """``spawn`` runs clean-up work (closing peers, ending streams) under the app's
        supervisor; without it, the node supervises its own and stops it in ``close``."""
        self._max_viewers = max_viewers
        self._connect_timeout = connect_timeout
        self._keyframe_interval = keyframe_interval
        self._retry_after = retry_after
        self._ice_servers = tuple(ice_servers)
        self.on_stream_ended = on_stream_ended
        self._track_capacity = {"video": video_buffer_frames, "audio": audio_buffer_frames}
        self._streams: dict[int, HostStream] = {}
        self._hosts: dict[int, Peer] = {}
        self._peers: dict[str, Peer] = {}
        self._viewers = 0
        # Closes in flight at shutdown get a grace: cancelling one mid-way breaks
        # aiortc's own close of the same connection.
        self._own: Supervisor | None = None
        if spawn is None:
            self._own = Supervisor(grace=_SHUTDOWN_GRACE)
            spawn = self._own.spawn
        self._spawn_task = spawn
        self._stats = MediaStats()
        self.recordings = recordings or Recordings(None)

    # --- MediaNode -----------------------------------------------------------------
    async def publish(
        self, room_id: int, offer_sdp: str, *, replace: bool = False, record: bool = True
    ) -> tuple[str, str]:
        offer = parse_offer(offer_sdp)
        codecs = _host_codecs(offer)
        while (current := self._streams.get(room_id)) is not None:
            if not replace:
                raise AlreadyPublishing("a host is already publishing in this room")
            # A takeover: the old publish and its viewers go; viewers rejoin on the
            # stream.started event that the new publish sends.
            await self._end_stream(current, notify=False)
        stream = HostStream(
            room_id,
            stats=self._stats,
            spawn=self._spawn,
            on_end=self._on_source_end,
            keyframe_interval=self._keyframe_interval,
            track_capacity=self._track_capacity,
        )
        peer = new_peer(room_id, "host", self._ice_servers)
        # Claim the room before the first await so a second publish gets Conflict.
        self._streams[room_id] = stream
        self._hosts[room_id] = peer
        self._peers[peer.resource_id] = peer
        try:
            for kind in offer.media:
                if kind in codecs:
                    transceiver = peer.pc.addTransceiver(kind, direction="recvonly")
                    transceiver.setCodecPreferences(codec_preferences(codecs[kind]))
                    stream.add_source(kind, transceiver.receiver, codecs[kind])
                else:
                    peer.pc.addTransceiver(kind, direction="inactive")
            answer = await answer_offer(peer.pc, offer)
        except BaseException:
            await self._end_stream(stream, notify=False)
            raise
        self.recordings.start(stream, record=record)
        self._supervise(peer)
        self._stats.publishes_total += 1
        logger.info("host published", extra={"room": room_id, "codecs": list(codecs)})
        return peer.resource_id, answer

    async def unpublish(self, resource_id: str) -> None:
        peer = self._peer(resource_id, "host")
        stream = self._streams.get(peer.room_id)
        if stream is not None:
            await self._end_stream(stream, notify=True)

    async def end_room(self, room_id: int) -> bool:
        stream = self._streams.get(room_id)
        if stream is not None:
            await self._end_stream(stream, notify=True)
        return stream is not None

    async def watch(self, room_id: int, offer_sdp: str) -> tuple[str, str]:
        offer = parse_offer(offer_sdp)
        stream = self._streams.get(room_id)
        if stream is None or stream.ended:
            raise NotFound("nothing is being published in this room")
        if self._viewers >= self._max_viewers:
            raise Unavailable("this media node is full", retry_after=self._retry_after)
        peer = new_peer(room_id, "viewer", self._ice_servers)
        self._add_viewer(peer)
        try:
            self._attach_tracks(peer, stream, offer)
            answer = await answer_offer(peer.pc, offer)
        except BaseException:
            await self._drop(peer)
            raise
        stream.request_keyframe()
        self._supervise(peer)
        self._stats.watches_total += 1
        return peer.resource_id, answer

    async def leave(self, resource_id: str) -> None:
        await self._drop(self._peer(resource_id, "viewer"))

    def room_of(self, resource_id: str) -> int | None:
        peer = self._peers.get(resource_id)
        return None if peer is None else peer.room_id

    def is_publishing(self, room_id: int) -> bool:
        return room_id in self._streams

    def stats(self) -> MediaStats:
        return dataclasses.replace(
            self._stats, publishers=len(self._streams), viewers=self._viewers
        )

    def recording_status(self, room_id: int) -> RecordingStatus | None:
        return self.recordings.status(room_id)

    def live_playlist(self, room_id: int) -> str | None:
        return self.recordings.live_playlist(room_id)

    def live_recorder(self, room_id: int) -> Recorder | None:
        return self.recordings.live(room_id)

    async def close(self) -> None:
        for stream in list(self._streams.values()):
            await self._end_stream(stream, notify=False)
        await asyncio.gather(*(self._drop(peer) for peer in list(self._peers.values())))
        if self._own is not None:
            await self._own.stop()

    # --- helpers --------------------------------------------------------------------
    def _peer(self, resource_id: str, role: str) -> Peer:
        peer = self._peers.get(resource_id)
        if peer is None or peer.role != role:
            raise NotFound("no such media session")
        return peer

    def _add_viewer(self, peer: Peer) -> None:
        self._peers[peer.resource_id] = peer
        self._viewers += 1

    def _attach_tracks(self, peer: Peer, stream: HostStream, offer: Offer) -> None:
        for kind, section in offer.media.items():
            if kind not in stream.codecs or direction_of(section) not in RECEIVING:
                # Inactive, so a viewer can never make the node decode its media.
                peer.pc.addTransceiver(kind, direction="inactive")
                continue
            track = stream.subscribe(kind)
            peer.tracks.append(track)
            transceiver = peer.pc.addTransceiver(track, direction="sendonly")
            transceiver.setCodecPreferences(codec_preferences(stream.codecs[kind]))
            redirect_keyframe_requests(transceiver.sender, stream.request_keyframe)
        if not peer.tracks:
            raise InvalidInput("the offer receives none of the host's audio or video")

    def _supervise(self, peer: Peer) -> None:
        supervise(
            peer,
            connect_timeout=self._connect_timeout,
            on_failed=lambda p: self._give_up(p, timed_out=False),
            on_timed_out=lambda p: self._give_up(p, timed_out=True),
            on_closed=self._hung_up,
        )

    def _hung_up(self, peer: Peer) -> None:
        if self._peers.get(peer.resource_id) is not peer:
            return  # we closed it ourselves
        stream = self._streams.get(peer.room_id)
        if peer.role == "host" and stream is not None:
            self._spawn(self._end_stream(stream, notify=True))
        else:
            self._spawn(self._drop(peer))

    def _give_up(self, peer: Peer, *, timed_out: bool) -> None:
        if self._peers.get(peer.resource_id) is not peer:
            return
        if timed_out:
            self._stats.peers_timed_out += 1
        else:
            self._stats.peers_failed += 1
        logger.info(
            "peer connection closed",
            extra={"room": peer.room_id, "role": peer.role, "timed_out": timed_out},
        )
        self._hung_up(peer)

    def _on_source_end(self, stream: HostStream) -> None:
        self._spawn(self._end_stream(stream, notify=True))

    async def _end_stream(self, stream: HostStream, *, notify: bool) -> None:
        """Stop relaying a host's stream: its viewers are closed, then listeners told."""
        if self._streams.get(stream.room_id) is not stream:
            return
        del self._streams[stream.room_id]
        stream.end()
        host = self._hosts.pop(stream.room_id)
        viewers = [
            p for p in self._peers.values() if p.room_id == stream.room_id and p.role == "viewer"
        ]
        await asyncio.gather(
            *(self._drop(peer) for peer in [host, *viewers]), self.recordings.stop(stream)
        )
        logger.info("host stream ended", extra={"room": stream.room_id})
        if notify and self.on_stream_ended is not None:
            try:
                await self.on_stream_ended(stream.room_id)
            except Exception:
                logger.exception("stream-ended callback failed", extra={"room": stream.room_id})

    async def _drop(self, peer: Peer) -> None:
        if self._peers.pop(peer.resource_id, None) is None:
            return
        if peer.role == "viewer":
            self._viewers -= 1
            stream = self._streams.get(peer.room_id)
            for track in peer.tracks:
                if stream is not None:
                    stream.unsubscribe(track)
                track.finish()
        stop_watchdog(peer)
        # Shielded: a cancelled caller (say, a client that hung up on its DELETE) must
        # not cancel the close that aiortc may be sharing with its own shutdown.
        await asyncio.shield(peer.pc.close())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._spawn_task(coro, "media-cleanup")


def _host_codecs(offer: Offer) -> dict[str, RTCRtpCodecCapability]:
    """The codec per kind the host will send, in the host's order of preference."""
    codecs: dict[str, RTCRtpCodecCapability] = {}
    for kind, section in offer.media.items():
        if direction_of(section) not in SENDING:
            continue
        codec = relay_codec(section)
        if codec is None:
            wanted = "VP8 or H.264" if kind == "video" else "Opus"
            raise InvalidInput(f"the host's {kind} must be {wanted}")
        codecs[kind] = codec
    if not codecs:
        raise InvalidInput("the offer sends no audio or video")
    return codecs
