"""Which of a node's streams are recorded, and their recorders.

A stream is recorded when its host publishes H.264 video, the node has a blob store and
the show is recordable; otherwise its status says why not (a VP8 host is still relayed,
just not recorded).
"""

from __future__ import annotations

import logging

from livecommerce.media.blobs import BlobStore
from livecommerce.media.frames import H264
from livecommerce.media.node import RecordingStatus
from livecommerce.media.recording import (
    DISABLED,
    NO_VIDEO,
    NOT_H264,
    Recorder,
    RecordingListener,
)
from livecommerce.media.stream import HostStream

logger = logging.getLogger(__name__)

NOT_RECORDABLE = "not_recordable"
"""The host marked the show not to be recorded."""


class Recordings:
    def __init__(
        self,
        blobs: BlobStore | None,
        *,
        segment_seconds: float = 2.0,
        part_seconds: float = 0.5,
        on_started: RecordingListener | None = None,
        on_ended: RecordingListener | None = None,
    ) -> None:
        self.blobs = blobs
        self.segment_seconds = segment_seconds
        self.part_seconds = part_seconds
        self.on_started = on_started
        self.on_ended = on_ended
        self._status: dict[int, RecordingStatus] = {}
        self._recorders: dict[int, Recorder] = {}

    def start(self, stream: HostStream, *, record: bool = True) -> None:
        """Record ``stream`` if it can and may be; remember why not otherwise."""
        video = stream.codecs.get("video")
        reason = None
        if not record:
            reason = NOT_RECORDABLE
        elif self.blobs is None:
            reason = DISABLED
        elif video is None:
            reason = NO_VIDEO
        elif video.mimeType.lower() != H264:
            reason = NOT_H264
        if reason is not None or self.blobs is None:
            self._status[stream.room_id] = RecordingStatus(None, reason)
            logger.info("not recording", extra={"room": stream.room_id, "reason": reason})
            return
        recorder = Recorder(
            stream.room_id,
            self.blobs,
            request_keyframe=stream.request_keyframe,
            audio="audio" in stream.codecs,
            segment_seconds=self.segment_seconds,
            part_seconds=self.part_seconds,
            on_started=self.on_started,
            on_ended=self.on_ended,
        )
        stream.recorder = recorder
        self._recorders[stream.room_id] = recorder
        self._status[stream.room_id] = RecordingStatus(recorder.recording_id)
        logger.info("recording", extra={"room": stream.room_id, "id": recorder.recording_id})

    async def stop(self, stream: HostStream) -> None:
        """Store the rest of the stream's recording (call once the stream has ended)."""
        self._status.pop(stream.room_id, None)
        recorder = stream.recorder
        if recorder is None:
            return
        stream.recorder = None
        if self._recorders.get(stream.room_id) is recorder:
            del self._recorders[stream.room_id]
        await recorder.finish()

    def status(self, room_id: int) -> RecordingStatus | None:
        return self._status.get(room_id)

    def live_playlist(self, room_id: int) -> str | None:
        recorder = self.live(room_id)
        return None if recorder is None else recorder.playlist(live=True)

    def live(self, room_id: int) -> Recorder | None:
        """The room's recorder once it has stored a first segment (so it has a playlist)."""
        recorder = self._recorders.get(room_id)
        return recorder if recorder is not None and recorder.segments else None
