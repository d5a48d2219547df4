"""Checks on WHIP/WHEP offers before a peer connection is spent on them, and codec choice."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc.codecs import CODECS, is_rtx
from aiortc.rtcpeerconnection import find_common_codecs
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.sdp import MediaDescription, SessionDescription

from livecommerce.errors import InvalidInput
from livecommerce.media.frames import RELAYED_MIME_TYPES

# Browser offers are a few kilobytes; anything far larger is not a real offer.
MAX_OFFER_CHARS = 64 * 1024
MEDIA_KINDS = ("audio", "video")
SENDING = frozenset({"sendonly", "sendrecv"})
RECEIVING = frozenset({"recvonly", "sendrecv"})
_RTX = RTCRtpCodecCapability(mimeType="video/rtx", clockRate=90000)


@dataclass(frozen=True, slots=True)
class Offer:
    sdp: str
    # At most one section per kind: every section the node answers must be tapped
    # (publish) or fed (watch), never left to aiortc's decoders.
    media: dict[str, MediaDescription]


def parse_offer(sdp: str) -> Offer:
    """Parse an offer, raising InvalidInput for anything the relay cannot use."""
    if len(sdp) > MAX_OFFER_CHARS:
        raise InvalidInput("the SDP offer is too large")
    if not sdp.lstrip().startswith("v=0"):
        raise InvalidInput("the body is not an SDP offer")
    try:
        description = SessionDescription.parse(sdp)
    except Exception as exc:  # the parser raises assorted errors on bad input
        raise InvalidInput(f"the SDP offer cannot be parsed: {exc}") from exc
    media: dict[str, MediaDescription] = {}
    for section in description.media:
        if section.kind not in MEDIA_KINDS:
            continue
        if section.kind in media:
            raise InvalidInput(f"the offer has more than one {section.kind} section")
        media[section.kind] = section
    if not media:
        raise InvalidInput("the offer has no audio or video")
    return Offer(sdp=sdp, media=media)


def direction_of(section: MediaDescription) -> str:
    return section.direction or "sendrecv"


def relay_codec(section: MediaDescription) -> RTCRtpCodecCapability | None:
    """The first codec, in the offer's order, that aiortc speaks and the relay passes."""
    for codec in find_common_codecs(CODECS[section.kind], section.rtp.codecs):
        if not is_rtx(codec) and codec.mimeType.lower() in RELAYED_MIME_TYPES:
            return _capability(codec)
    return None


def codec_preferences(codec: RTCRtpCodecCapability) -> list[RTCRtpCodecCapability]:
    """Exactly one codec (plus retransmission for video), so both sides agree on it."""
    return [codec, _RTX] if codec.mimeType.lower().startswith("video/") else [codec]


def _capability(codec: RTCRtpCodecParameters) -> RTCRtpCodecCapability:
    return RTCRtpCodecCapability(
        mimeType=codec.mimeType,
        clockRate=codec.clockRate,
        channels=codec.channels,
        parameters=dict(codec.parameters),
    )
