"""Encoded H.264 frames (and the host's audio as AAC) into fragmented MP4 with PyAV's muxer.

Video is never decoded. The muxer writes ``ftyp+moov`` once (the HLS init segment), then
a ``moof+mdat`` fragment at every keyframe and whenever one reaches ``part_seconds``,
holding the audio of the same span. Each fragment is an LL-HLS partial segment; a
segment is a run of them starting on a keyframe (see ``partials``). A fragment is handed
on once complete.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass
from typing import Any

import av

from livecommerce.media import aac, h264
from livecommerce.media.mp4box import BoxWriter, track_times

CLOCK = 90000  # the RTP clock of video, kept as the MP4 timescale
_TIME_BASE = fractions.Fraction(1, CLOCK)
_WRAP = 1 << 32
_VIDEO_TRACK = 1  # the muxer numbers tracks from 1 in the order they are added
# How long the muxer may hold video back waiting for audio to interleave with it.
_MAX_INTERLEAVE_US = 1_000_000


@dataclass(frozen=True, slots=True)
class Fragment:
    data: bytes
    start: float
    """Seconds from the first recorded frame."""
    duration: float
    independent: bool
    """It starts with a keyframe, so it decodes after the init segment alone."""


class Fmp4Segmenter:
    """Feed it the host's video access units (and audio); collect the init and segments.

    ``audio_channels``, if set before the first keyframe, adds an AAC track (1 or 2
    channels) that ``feed_audio`` fills; otherwise the recording is video only.
    """

    def __init__(self, *, part_seconds: float = 0.5) -> None:
        self._part_seconds = part_seconds
        self._out = BoxWriter()
        self._container: Any = None
        self._stream: Any = None
        self._audio: aac.OpusToAac | None = None
        self._audio_stream: Any = None
        self.audio_channels: int | None = None
        self._first_ts: int | None = None
        self._last_pts = 0
        self._frame_gap = CLOCK // 30
        self._frames = 0
        self._keyframes: list[int] = []  # timestamps of keyframes not yet seen leading a fragment
        self.init: bytes | None = None
        self.codecs = ""
        """The RFC 6381 codecs of the tracks, as HLS's CODECS attribute lists them."""
        self.resolution = (0, 0)
        self.closed = False

    @property
    def started(self) -> bool:
        return self._container is not None

    def feed(self, data: bytes, timestamp: int, keyframe: bool) -> list[Fragment]:
        """Mux one access unit (RTP timestamp); return the segments it completed."""
        if self.closed:
            return []
        if self._container is None:
            if not keyframe or not self._open(data):
                return []  # a recording starts on a keyframe with its SPS and PPS
            self._first_ts = timestamp
        assert self._first_ts is not None
        pts = (timestamp - self._first_ts) % _WRAP
        if pts <= self._last_pts and self._frames:
            return []  # a repeated or reordered timestamp: the muxer would refuse it
        if pts > self._last_pts:
            self._frame_gap = min(pts - self._last_pts, CLOCK)
        packet = av.Packet(data)
        packet.pts = packet.dts = pts
        packet.duration = self._frame_gap  # the muxer's guess for the last frame of a show
        packet.time_base = _TIME_BASE
        packet.stream = self._stream
        packet.is_keyframe = keyframe
        if keyframe:
            self._keyframes.append(pts)
        self._container.mux(packet)
        self._frames += 1
        self._last_pts = pts
        return self._collect()

    @property
    def audio(self) -> bool:
        return self._audio_stream is not None

    def feed_audio(self, data: bytes, timestamp: int, media_time: float) -> list[Fragment]:
        """Transcode and mux one Opus packet (RTP timestamp) heard at ``media_time`` seconds.

        The first packet at or after the encoder's priming time fixes where the audio
        starts; later ones are placed by their timestamps.
        """
        if self.closed or self._audio_stream is None:
            return []
        if self._audio is None:
            start = round(media_time * aac.RATE)
            if start < aac.PRIMING:
                return []
            self._audio = aac.OpusToAac(self._audio_stream, start=start)
        self._container.mux(self._audio.feed(data, timestamp))
        return self._collect()

    def close(self) -> list[Fragment]:
        """Flush the audio and the last fragment (its last frame as long as the one before)."""
        if self.closed or self._container is None:
            self.closed = True
            return []
        self.closed = True
        if self._audio is not None:
            self._container.mux(self._audio.flush())
        self._container.close()
        return self._collect()

    def _open(self, data: bytes) -> bool:
        extradata = h264.parameter_sets(data)
        size = h264.picture_size(data)
        video = h264.codec_string(data)
        if extradata is None or size is None or video is None:
            return False
        self.resolution = size
        self.codecs = video if self.audio_channels is None else f"{video},{aac.CODEC}"
        options = {
            "movflags": "frag_keyframe+empty_moov+default_base_moof+skip_trailer",
            "frag_duration": str(int(self._part_seconds * 1_000_000)),
            "max_interleave_delta": str(_MAX_INTERLEAVE_US),
        }
        self._container = av.open(self._out, "w", format="mp4", options=options)
        stream = self._container.add_stream("h264")
        stream.width, stream.height = size
        stream.time_base = _TIME_BASE
        stream.codec_context.extradata = extradata
        self._stream = stream
        if self.audio_channels is not None:
            self._audio_stream = aac.add_aac_stream(self._container, self.audio_channels)
        self._container.start_encoding()
        return True

    def _collect(self) -> list[Fragment]:
        fragments: list[Fragment] = []
        boxes = self._out.boxes
        while boxes:
            kind, data = boxes[0]
            if kind in (b"ftyp", b"moov"):
                self.init = (self.init or b"") + data
                boxes.pop(0)
            elif kind == b"moof" and len(boxes) >= 2 and boxes[1][0] == b"mdat":
                fragments.append(self._fragment(data, boxes[1][1]))
                del boxes[:2]
            elif kind == b"moof":
                break  # its mdat is still to come
            else:
                boxes.pop(0)  # mfra and the like: not part of any segment
        return fragments

    def _fragment(self, moof: bytes, mdat: bytes) -> Fragment:
        start, duration = track_times(moof).get(_VIDEO_TRACK, (self._last_pts, 0))
        independent = start in self._keyframes
        self._keyframes = [pts for pts in self._keyframes if pts > start]
        return Fragment(moof + mdat, start / CLOCK, max(duration, 1) / CLOCK, independent)
