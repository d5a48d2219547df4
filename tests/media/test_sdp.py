import pytest
from aiortc import RTCPeerConnection, RTCRtpSender

from livecommerce.errors import InvalidInput
from livecommerce.media.sdp import (
    MAX_OFFER_CHARS,
    codec_preferences,
    direction_of,
    parse_offer,
    relay_codec,
)


async def offer(*kinds: str, direction: str = "sendonly", prefer: str | None = None) -> str:
    pc = RTCPeerConnection()
    try:
        for kind in kinds:
            transceiver = pc.addTransceiver(kind, direction=direction)
            if prefer and kind == "video":
                codecs = RTCRtpSender.getCapabilities("video").codecs
                transceiver.setCodecPreferences([c for c in codecs if c.mimeType == prefer])
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


async def test_offer_sections_and_codec_in_offer_order() -> None:
    """The relay picks the first relayable codec the client lists."""
    parsed = parse_offer(await offer("video", "audio", prefer="video/H264"))
    assert set(parsed.media) == {"video", "audio"}
    assert direction_of(parsed.media["video"]) == "sendonly"
    video = relay_codec(parsed.media["video"])
    assert video is not None and video.mimeType == "video/H264"
    audio = relay_codec(parsed.media["audio"])
    assert audio is not None and audio.mimeType == "audio/opus"
    assert [c.mimeType for c in codec_preferences(video)] == ["video/H264", "video/rtx"]
    assert [c.mimeType for c in codec_preferences(audio)] == ["audio/opus"]


async def test_two_video_sections_are_refused() -> None:
    """Every answered section must be relayed, so duplicates are refused."""
    with pytest.raises(InvalidInput):
        parse_offer(await offer("video", "video"))


def test_oversized_offer_is_refused() -> None:
    """Huge bodies are rejected before parsing."""
    with pytest.raises(InvalidInput):
        parse_offer("v=0\r\n" + "a=x\r\n" * MAX_OFFER_CHARS)
