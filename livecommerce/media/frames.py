"""Encoded media frames as the relay passes them around, and keyframe detection.

A frame is depayloaded once on arrival and wrapped in one ``av.Packet`` that every
viewer's sender reads: aiortc's ``Encoder.pack`` only reads the bytes and the
timestamp, so sharing the packet costs no copy per viewer until packetisation.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass
from typing import Any

import av

VP8 = "video/vp8"
H264 = "video/h264"
OPUS = "audio/opus"
RELAYED_MIME_TYPES = frozenset({VP8, H264, OPUS})

_VP8_START_CODE = b"\x9d\x01\x2a"
_H264_IDR = 5
_H264_SPS = 7


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One complete encoded frame, ready for ``RTCRtpSender`` to packetise."""

    packet: av.Packet[Any]
    keyframe: bool
    size: int


def make_frame(mime_type: str, clock_rate: int, data: bytes, timestamp: int) -> EncodedFrame:
    """Wrap depayloaded bytes with a timestamp in the codec's RTP clock."""
    packet = av.Packet(data)
    packet.pts = timestamp
    packet.time_base = fractions.Fraction(1, clock_rate)
    return EncodedFrame(packet=packet, keyframe=is_keyframe(mime_type, data), size=len(data))


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """Whether a viewer can start decoding at this frame (always true for audio)."""
    mime = mime_type.lower()
    if mime == VP8:
        return _vp8_keyframe(data)
    if mime == H264:
        return _h264_keyframe(data)
    return not mime.startswith("video/")


def _vp8_keyframe(data: bytes) -> bool:
    # RFC 6386 9.1: bit 0 of the frame tag is 0 on a key frame, which also
    # carries the start code after the 3-byte tag.
    return len(data) >= 6 and not data[0] & 0x01 and data[3:6] == _VP8_START_CODE


def _h264_keyframe(data: bytes) -> bool:
    # The depayloader emits Annex B; an IDR slice (or the SPS sent right before
    # one) marks a point where decoding can start.
    return any(nal in (_H264_IDR, _H264_SPS) for nal in _h264_nal_types(data))


def _h264_nal_types(data: bytes) -> list[int]:
    types: list[int] = []
    pos = data.find(b"\x00\x00\x01")
    while pos != -1 and pos + 3 < len(data):
        types.append(data[pos + 3] & 0x1F)
        pos = data.find(b"\x00\x00\x01", pos + 3)
    return types
