"""Opus to AAC: samples placed by RTP timestamp, gaps filled, repeats dropped."""

from __future__ import annotations

import fractions
import io
import itertools
import math
import struct
from typing import Any

import av

from livecommerce.media import aac


def opus_packets(count: int) -> list[bytes]:
    """``count`` 20 ms Opus packets of a stereo 440 Hz tone."""
    encoder: Any = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    packets: list[bytes] = []
    for index in range(count):
        tone = [round(3000 * math.sin(2 * math.pi * 440 * (n + index * 960) / 48000))
                for n in range(960)]  # fmt: skip
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        frame.planes[0].update(struct.pack("<1920h", *(v for v in tone for _ in "lr")))
        frame.sample_rate, frame.pts = 48000, index * 960
        frame.time_base = fractions.Fraction(1, 48000)
        packets += [bytes(p) for p in encoder.encode(frame)]
    return packets


def transcode(timestamps: list[int], packets: list[bytes], channels: int = 2) -> list[Any]:
    container = av.open(io.BytesIO(), "w", format="mp4")
    stream = aac.add_aac_stream(container, channels)
    container.start_encoding()
    transcoder = aac.OpusToAac(stream, start=aac.PRIMING)
    out = [p for ts, data in zip(timestamps, packets, strict=True)
           for p in transcoder.feed(data, ts)]  # fmt: skip
    return out + transcoder.flush()


def test_a_lost_stretch_becomes_silence_so_the_audio_keeps_its_time_line() -> None:
    """50 packets with 25 missing in the middle still span 75 packets' time."""
    packets = opus_packets(50)
    timestamps = [960 * i for i in range(25)] + [960 * (i + 50) for i in range(25)]
    out = transcode(timestamps, packets)
    assert out[0].pts == 0  # the priming packet, at media time 0
    end = out[-1].pts + out[-1].duration
    assert abs(end - (aac.PRIMING + 75 * 960)) <= 1024  # the encoder pads its last frame
    assert all(b.pts > a.pts for a, b in itertools.pairwise(out))


def test_a_repeated_packet_is_dropped() -> None:
    packets = opus_packets(20)
    timestamps = [960 * i for i in range(10)] + [960 * 9] * 5 + [960 * i for i in range(10, 15)]
    out = transcode(timestamps, packets)
    assert abs(out[-1].pts + out[-1].duration - (aac.PRIMING + 15 * 960)) <= 1024


def test_mono_and_stereo_opus_are_told_apart_by_the_toc_byte() -> None:
    assert aac.opus_channels(opus_packets(1)[0]) == 2
    assert aac.opus_channels(bytes([0x78, 0x00])) == 1
