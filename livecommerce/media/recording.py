"""Recording a host's stream from its encoded frames: fMP4 segments, playlist, manifest.

The node that holds a stream feeds every H.264 access unit and Opus packet to a
``Recorder``. Video is never decoded; audio is transcoded to AAC once (see ``aac``).
Each completed segment is stored before the playlist that names it, so a node killed
mid-show leaves a recording that plays up to its last complete segment.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from livecommerce.media import aac, hls
from livecommerce.media.avsync import AUDIO_HELD, VIDEO_HELD, ArrivalClock
from livecommerce.media.blobs import BlobStore
from livecommerce.media.fmp4 import CLOCK, Fmp4Segmenter, Fragment
from livecommerce.media.frames import EncodedFrame
from livecommerce.media.partials import LiveEdge, Segment

logger = logging.getLogger(__name__)

MANIFEST_NAME = "recording.json"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".json": "application/json",
}

# Why a stream is not being recorded, as the status API reports it.
NOT_H264 = "codec_not_h264"
NO_VIDEO = "no_video"
DISABLED = "recording_disabled"

# How long a recording of a host who sends audio waits for the first audio packet (to
# know mono from stereo) before it starts video only.
AUDIO_WAIT = 3.0


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    room_id: int
    recording_id: str
    media_origin: datetime
    """Wall time of media time 0 (the first recorded frame's arrival)."""
    started_at: datetime
    ended_at: datetime | None
    duration: float
    segments: int
    video_codec: str = "h264"
    audio: bool = False
    codecs: str = ""
    """RFC 6381 codecs, as the master playlist's CODECS: ``avc1.42e01f,mp4a.40.2``."""

    def to_json(self) -> str:
        data = asdict(self)
        for name in ("media_origin", "started_at", "ended_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> RecordingInfo:
        data = json.loads(text)
        for name in ("media_origin", "started_at", "ended_at"):
            if data[name] is not None:
                data[name] = datetime.fromisoformat(data[name])
        return cls(**data)


RecordingListener = Callable[[RecordingInfo], Awaitable[None]]


def recording_prefix(room_id: int, recording_id: str) -> str:
    return f"recordings/{room_id}/{recording_id}/"


def new_recording_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class Recorder:
    """Segments one publish's video and audio and stores it; one writer task keeps the order.

    ``audio`` says whether the host sends audio; without it the recording is video only.
    """

    def __init__(
        self,
        room_id: int,
        blobs: BlobStore,
        *,
        request_keyframe: Callable[[], None],
        audio: bool = False,
        segment_seconds: float = 2.0,
        part_seconds: float = 0.5,
        on_started: RecordingListener | None = None,
        on_ended: RecordingListener | None = None,
    ) -> None:
        self.room_id = room_id
        self.recording_id = new_recording_id(datetime.now(UTC))
        self.prefix = recording_prefix(room_id, self.recording_id)
        self._blobs = blobs
        self._request_keyframe = request_keyframe
        self._segment_seconds = segment_seconds
        self._on_started = on_started
        self._on_ended = on_ended
        # The muxer cuts a fragment once it reaches its limit, a frame or so past it.
        self._segmenter = Fmp4Segmenter(part_seconds=0.8 * part_seconds)
        self.edge = LiveEdge(segment_seconds=segment_seconds, part_target=part_seconds)
        self._loop = asyncio.get_running_loop()
        self._audio_until = self._loop.time() + AUDIO_WAIT if audio else float("-inf")
        self._video_clock = ArrivalClock(CLOCK, VIDEO_HELD)
        self._audio_clock = ArrivalClock(aac.RATE, AUDIO_HELD)
        self._first_video_ts = 0
        self._peak_bandwidth = 0  # bits per second of the densest segment so far
        self._queue: asyncio.Queue[Segment | bytes | None] = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(self._write_all())
        self._timer: asyncio.TimerHandle | None = None
        self.info: RecordingInfo | None = None
        self.segments: list[hls.SegmentEntry] = []
        self._schedule_keyframe()

    # --- frames in (on the event loop, never awaiting) ------------------------------
    def on_video(self, frame: EncodedFrame) -> None:
        timestamp = frame.packet.pts or 0
        self._video_clock.note(timestamp, self._loop.time())
        started = self._segmenter.started
        if not started and self._waiting_for_audio():
            return
        self._feed(lambda: self._segmenter.feed(bytes(frame.packet), timestamp, frame.keyframe))
        if self.info is None and self._segmenter.init is not None:
            self._first_video_ts = timestamp
            now = datetime.now(UTC)
            # Milliseconds, as EXT-X-PROGRAM-DATE-TIME carries it, so both agree exactly.
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            audio, codecs = self._segmenter.audio, self._segmenter.codecs
            self.info = RecordingInfo(
                self.room_id, self.recording_id, now, now, None, 0.0, 0, audio=audio, codecs=codecs
            )
            self._queue.put_nowait(self._segmenter.init)

    def on_audio(self, frame: EncodedFrame) -> None:
        timestamp = frame.packet.pts or 0
        self._audio_clock.note(timestamp, self._loop.time())
        data = bytes(frame.packet)
        if not self._segmenter.started:
            # The latest packet before the first keyframe says mono or stereo.
            self._segmenter.audio_channels = aac.opus_channels(data)
            return
        video_zero = self._video_clock.time_of(self._first_video_ts)
        media_time = self._audio_clock.time_of(timestamp) - video_zero
        self._feed(lambda: self._segmenter.feed_audio(data, timestamp, media_time))

    def _waiting_for_audio(self) -> bool:
        return self._segmenter.audio_channels is None and self._loop.time() < self._audio_until

    def _feed(self, mux: Callable[[], list[Fragment]]) -> None:
        try:
            done = mux()
        except Exception:
            logger.exception("recording stopped: the muxer refused a frame")
            self._stop_segmenter()
            return
        self._take(done)

    def _take(self, fragments: list[Fragment]) -> None:
        for fragment in fragments:
            segment = self.edge.add(fragment)
            if segment is not None:
                self._queue.put_nowait(segment)

    async def finish(self) -> RecordingInfo | None:
        """Store the last segment and the final playlist; return the recording."""
        self._stop_segmenter()
        self._queue.put_nowait(None)
        await self._writer
        return self.info

    def _stop_segmenter(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            self._take(self._segmenter.close())
        except Exception:
            logger.exception("the muxer failed to close the recording")
        if (last := self.edge.close()) is not None:
            self._queue.put_nowait(last)

    def _schedule_keyframe(self) -> None:
        # The publisher's encoder may send keyframes rarely; segments cut on keyframes.
        self._request_keyframe()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._segment_seconds, self._schedule_keyframe)

    # --- storage (the writer task) --------------------------------------------------
    async def _write_all(self) -> None:
        while (item := await self._queue.get()) is not None:
            try:
                await self._write(item)
            except Exception:
                logger.exception("recording write failed", extra={"room": self.room_id})
        await self._write_end()

    async def _write(self, item: Segment | bytes) -> None:
        assert self.info is not None
        if isinstance(item, bytes):
            await self._put(hls.INIT_NAME, item)
            await self._put(MANIFEST_NAME, self.info.to_json().encode())
            if self._on_started is not None:
                await self._notify(self._on_started)
            return
        entry = hls.SegmentEntry(item.sequence, item.start, item.duration)
        await self._put(hls.segment_name(entry.sequence), item.data)
        self.segments.append(entry)
        self.edge.mark_stored(entry.sequence)
        self.info = replace(
            self.info, duration=entry.start + entry.duration, segments=entry.sequence
        )
        await self._put(hls.PLAYLIST_NAME, self.playlist().encode())
        await self._put(MANIFEST_NAME, self.info.to_json().encode())
        self._peak_bandwidth = max(self._peak_bandwidth, int(8 * len(item.data) / entry.duration))
        await self._put(hls.MASTER_NAME, self.master().encode())

    async def _write_end(self) -> None:
        self.edge.end()
        if self.info is None:
            return
        self.info = replace(self.info, ended_at=datetime.now(UTC))
        try:
            await self._put(hls.PLAYLIST_NAME, self.playlist().encode())
            await self._put(MANIFEST_NAME, self.info.to_json().encode())
        except Exception:
            logger.exception("recording end write failed", extra={"room": self.room_id})
        if self._on_ended is not None:
            await self._notify(self._on_ended)

    async def _notify(self, listener: RecordingListener) -> None:
        assert self.info is not None
        try:
            await listener(self.info)
        except Exception:
            logger.exception("recording listener failed", extra={"room": self.room_id})

    async def _put(self, name: str, data: bytes) -> None:
        content_type = CONTENT_TYPES["." + name.rpartition(".")[2]]
        await self._blobs.put(self.prefix + name, data, content_type=content_type)

    # --- playlists ------------------------------------------------------------------
    def playlist(self, *, live: bool = False) -> str:
        """The recording's playlist, or the live window with its parts (LL-HLS; URIs
        relative to /media/hls/{room}/)."""
        assert self.info is not None
        prefix = f"../../recordings/{self.room_id}/{self.recording_id}/" if live else ""
        ended = self.info.ended_at is not None
        origin = self.info.media_origin
        low_latency = None
        if live:
            edge = self.edge
            low_latency = hls.LowLatency(
                edge.part_target, edge.listed_parts(), f"parts/{self.recording_id}/",
                edge.next_part(),
            )  # fmt: skip
        return hls.playlist(
            self.segments, origin=origin, ended=ended, prefix=prefix, live=live,
            low_latency=low_latency,
        )  # fmt: skip

    def master(self, uri: str = hls.PLAYLIST_NAME) -> str:
        """The multivariant playlist naming ``uri`` with the recording's CODECS."""
        assert self.info is not None
        return hls.master_playlist(
            codecs=self.info.codecs, resolution=self._segmenter.resolution,
            bandwidth=self._peak_bandwidth, uri=uri,
        )  # fmt: skip


async def read_recording(blobs: BlobStore, room_id: int, recording_id: str) -> RecordingInfo | None:
    """A recording's manifest (``ended_at`` is None if it is live or its node died)."""
    data = await blobs.get(recording_prefix(room_id, recording_id) + MANIFEST_NAME)
    return None if data is None else RecordingInfo.from_json(data)


async def list_recordings(blobs: BlobStore, room_id: int) -> list[RecordingInfo]:
    """Every recording of a room, newest first."""
    keys = await blobs.keys(f"recordings/{room_id}/")
    found = []
    for key in keys:
        if key.endswith("/" + MANIFEST_NAME):
            info = await read_recording(blobs, room_id, key.split("/")[2])
            if info is not None:
                found.append(info)
    return sorted(found, key=lambda info: info.started_at, reverse=True)
