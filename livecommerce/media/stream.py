"""One host's live stream on this node: encoded frames in, one copy per viewer out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters

from livecommerce.media.aiortc_hooks import request_keyframe, tap_receiver
from livecommerce.media.frames import EncodedFrame, make_frame
from livecommerce.media.node import MediaStats
from livecommerce.media.recording import Recorder
from livecommerce.media.tracks import RelayTrack

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class _KindSink:
    """Receives one of the host's receivers' encoded frames (see ``aiortc_hooks``)."""

    def __init__(self, stream: HostStream, kind: str) -> None:
        self._stream = stream
        self._kind = kind

    def on_frame(self, codec: RTCRtpCodecParameters, data: bytes, timestamp: int) -> None:
        frame = make_frame(codec.mimeType, codec.clockRate, data, timestamp)
        self._stream.forward(self._kind, frame)

    def on_end(self) -> None:
        self._stream.source_ended()


class HostStream:
    """Fans the host's encoded audio and video out to viewer tracks."""

    def __init__(
        self,
        room_id: int,
        *,
        stats: MediaStats,
        spawn: Spawn,
        on_end: Callable[[HostStream], None],
        keyframe_interval: float,
        track_capacity: dict[str, int],
    ) -> None:
        self.room_id = room_id
        # The codec per kind negotiated with the host; viewers are offered exactly this.
        self.codecs: dict[str, RTCRtpCodecCapability] = {}
        self._receivers: dict[str, RTCRtpReceiver] = {}
        self._tracks: dict[str, set[RelayTrack]] = {}
        self._stats = stats
        self._spawn = spawn
        self._on_end = on_end
        self._keyframe_interval = keyframe_interval
        self._track_capacity = track_capacity
        self._last_keyframe_request = float("-inf")
        self._pending_request: asyncio.TimerHandle | None = None
        self.ended = False
        # Set by the node when this stream is recorded; gets every frame.
        self.recorder: Recorder | None = None

    def add_source(self, kind: str, receiver: RTCRtpReceiver, codec: RTCRtpCodecCapability) -> None:
        """Take the host's frames of ``kind`` from a receiver that has not started yet."""
        tap_receiver(receiver, _KindSink(self, kind))
        self._receivers[kind] = receiver
        self.codecs[kind] = codec
        self._tracks[kind] = set()

    def subscribe(self, kind: str) -> RelayTrack:
        """A new viewer track of ``kind``; video starts at the next keyframe."""
        track = RelayTrack(kind, capacity=self._track_capacity[kind], on_gap=self.request_keyframe)
        self._tracks[kind].add(track)
        if self.ended:
            track.finish()
        return track

    def unsubscribe(self, track: RelayTrack) -> None:
        self._tracks.get(track.kind, set()).discard(track)
        track.finish()

    def forward(self, kind: str, frame: EncodedFrame) -> None:
        self._stats.frames_received += 1
        if self.recorder is not None:
            if kind == "video":
                self.recorder.on_video(frame)
            else:
                self.recorder.on_audio(frame)
        for track in self._tracks.get(kind, ()):
            if track.push(frame):
                self._stats.frames_forwarded += 1
                self._stats.bytes_forwarded += frame.size
            else:
                self._stats.frames_skipped += 1

    def request_keyframe(self) -> None:
        """Ask the host for a keyframe, at most once per ``keyframe_interval``.

        A request inside the interval is deferred to its end rather than dropped, so a
        viewer who joins just after another still gets a keyframe soon.
        """
        receiver = self._receivers.get("video")
        if receiver is None or self.ended:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_keyframe_request + self._keyframe_interval - loop.time()
        if wait > 0:
            if self._pending_request is None:
                self._pending_request = loop.call_later(wait, self._deferred_request)
            return
        self._last_keyframe_request = loop.time()
        self._stats.keyframe_requests += 1
        self._spawn(request_keyframe(receiver))

    def _deferred_request(self) -> None:
        self._pending_request = None
        self.request_keyframe()

    def source_ended(self) -> None:
        """A host receiver stopped: the stream cannot go on half-relayed."""
        if self.ended:
            return
        self.end()
        self._on_end(self)

    def end(self) -> None:
        """End every viewer track (each drains its buffer first)."""
        if self.ended:
            return
        self.ended = True
        if self._pending_request is not None:
            self._pending_request.cancel()
        for tracks in self._tracks.values():
            for track in tracks:
                track.finish()

    @property
    def viewer_tracks(self) -> int:
        return sum(len(tracks) for tracks in self._tracks.values())
