"""The host's Opus into AAC for HLS: decoded once, resampled, encoded on the recording's clock.

HLS players need AAC (Opus in fMP4 HLS plays in few of them), so this is the one
transcode of a recorded show. Samples are placed by the Opus packets' RTP timestamps,
not by how many arrived: a lost packet or a DTX pause becomes silence of the same
length, so the audio never drifts from the video.
"""

from __future__ import annotations

import fractions
from typing import Any

import av

RATE = 48000  # Opus in WebRTC is always 48 kHz, and AAC takes it as is
TIME_BASE = fractions.Fraction(1, RATE)
# The AAC encoder's first packet sits this many samples before its first input sample.
PRIMING = 1024
CODEC = "mp4a.40.2"  # AAC-LC, as RFC 6381 names it
_BIT_RATES = {1: 96_000, 2: 128_000}
_MAX_SILENCE = 10 * RATE  # a longer gap is a stall: the time line restarts after it
_REORDER = RATE // 100  # a packet this much before the expected time is a repeat


def opus_channels(packet: bytes) -> int:
    """Channels coded in an Opus packet (RFC 6716 3.1: the TOC byte's stereo flag)."""
    return 2 if packet and packet[0] & 0x04 else 1


def add_aac_stream(container: Any, channels: int) -> Any:
    """An AAC stream in ``container`` (not yet started); its codec context encodes."""
    layout = "stereo" if channels == 2 else "mono"
    stream = container.add_stream("aac", rate=RATE, layout=layout)
    stream.bit_rate = _BIT_RATES[channels]
    stream.time_base = TIME_BASE
    return stream


class OpusToAac:
    """Opus packets in (RTP timestamps), AAC packets for ``stream`` out.

    ``start`` is the media time, in samples, of the first packet fed; it must be at
    least ``PRIMING`` so the encoder's priming packet is not before media time 0.
    """

    def __init__(self, stream: Any, *, start: int) -> None:
        layout = stream.codec_context.layout.name
        self._stream = stream
        self._decoder: Any = av.CodecContext.create("opus", "r")
        self._decoder.sample_rate = RATE
        self._decoder.layout = layout
        self._resampler = av.AudioResampler(
            format="fltp", layout=layout, rate=RATE, frame_size=stream.codec_context.frame_size
        )
        self._layout = layout
        self._start = start
        self._first_ts: int | None = None
        self._next = start  # media time of the next sample to decode (or fill with silence)
        self._encoded = start  # ... and of the next sample handed to the encoder

    def feed(self, data: bytes, timestamp: int) -> list[av.Packet[Any]]:
        if self._first_ts is None:
            self._first_ts = timestamp
        at = self._start + timestamp - self._first_ts
        if at < self._next - _REORDER:
            return []
        frames: list[av.AudioFrame] = []
        if at > self._next + _REORDER:
            gap = at - self._next
            if gap > _MAX_SILENCE:
                # Not a pause but a broken sender: keep going from here, a gap's worth on.
                self._start -= gap - _MAX_SILENCE
                gap = _MAX_SILENCE
            frames.append(self._silence(gap))
        frames += self._decoder.decode(av.Packet(data))
        self._next += sum(frame.samples for frame in frames)
        return self._encode(frames)

    def flush(self) -> list[av.Packet[Any]]:
        packets = self._encode_resampled(self._resampler.resample(None))
        flushed: list[av.Packet[Any]] = self._stream.encode(None)
        return packets + flushed

    def _encode(self, frames: list[av.AudioFrame]) -> list[av.Packet[Any]]:
        packets: list[av.Packet[Any]] = []
        for frame in frames:
            frame.pts = None
            packets += self._encode_resampled(self._resampler.resample(frame))
        return packets

    def _encode_resampled(self, frames: list[av.AudioFrame]) -> list[av.Packet[Any]]:
        packets: list[av.Packet[Any]] = []
        for frame in frames:
            frame.pts = self._encoded
            frame.time_base = TIME_BASE
            self._encoded += frame.samples
            packets += self._stream.encode(frame)
        return packets

    def _silence(self, samples: int) -> av.AudioFrame:
        frame = av.AudioFrame(format="fltp", layout=self._layout, samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = RATE
        return frame
