import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import av
import pytest
from aiortc import RTCPeerConnection, RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from livecommerce.errors import Conflict, InvalidInput, NotFound, Unavailable
from livecommerce.media.aiortc_hooks import _DECODER_QUEUE, FrameTap
from livecommerce.media.client import negotiate, publisher
from livecommerce.media.relay import RelayNode
from livecommerce.media.testpattern import PatternVideoTrack
from tests.media.conftest import ROOM, Ended, StartHost, StartViewer


def track_of(tracks: list[MediaStreamTrack], kind: str) -> MediaStreamTrack:
    return next(t for t in tracks if t.kind == kind)


Decoded = TypeVar("Decoded", av.VideoFrame, av.AudioFrame)


async def decoded_frames(track: MediaStreamTrack, count: int, kind: type[Decoded]) -> list[Decoded]:
    frames: list[Decoded] = []
    async with asyncio.timeout(30):
        for _ in range(count):
            frame = await track.recv()
            assert isinstance(frame, kind)
            frames.append(frame)
    return frames


async def until_ended(track: MediaStreamTrack) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return


async def test_viewers_decode_the_hosts_video_and_audio(
    node: RelayNode,
    start_host: StartHost,
    start_viewer: StartViewer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three viewers each decode moving 160x120 video and 48 kHz audio relayed from the host."""
    caplog.set_level(logging.WARNING, logger="aiortc")
    await start_host()
    viewers = [await start_viewer() for _ in range(3)]
    for session in viewers:
        video = await decoded_frames(track_of(session.tracks, "video"), 15, av.VideoFrame)
        assert {(f.width, f.height) for f in video} == {(160, 120)}
        assert bytes(video[0].planes[0]) != bytes(video[-1].planes[0])
        audio = await decoded_frames(track_of(session.tracks, "audio"), 10, av.AudioFrame)
        assert {f.sample_rate for f in audio} == {48000}
    assert not [r for r in caplog.records if "failed to decode" in r.getMessage()]
    assert node.stats().frames_forwarded > 0


async def test_host_frames_are_never_decoded(
    node: RelayNode, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """The host's receivers feed the relay through taps that never queue a frame for decoding."""
    host = await start_host()
    session = await start_viewer()
    await decoded_frames(track_of(session.tracks, "video"), 5, av.VideoFrame)
    # The publisher-side receivers live on the node's peer connection for this host.
    taps = [getattr(t.receiver, _DECODER_QUEUE) for t in node._hosts[ROOM].pc.getTransceivers()]
    assert all(isinstance(tap, FrameTap) and tap.qsize() == 0 for tap in taps)
    assert node.stats().frames_received > 0
    assert host.pc.connectionState == "connected"


async def test_h264_host_is_relayed_as_h264(
    node: RelayNode, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """A host publishing H.264 is offered to viewers in H.264 only, and viewers decode it."""
    await start_host(video_codec="video/H264")
    session = await start_viewer()
    video_section = session.pc.remoteDescription.sdp.split("m=video")[1].split("m=audio")[0]
    assert "H264/90000" in video_section
    assert "VP8" not in video_section
    frames = await decoded_frames(track_of(session.tracks, "video"), 10, av.VideoFrame)
    assert frames[-1].width == 160


async def test_second_publish_in_a_room_conflicts(start_host: StartHost) -> None:
    """Only one host may publish per room."""
    await start_host()
    with pytest.raises(Conflict):
        await start_host()


async def test_watching_an_idle_room_is_not_found(start_viewer: StartViewer) -> None:
    """A viewer cannot watch a room nobody publishes in."""
    with pytest.raises(NotFound):
        await start_viewer()


async def test_viewer_cap_answers_unavailable(
    ended: Ended, pcs: list[RTCPeerConnection], start_viewer: StartViewer
) -> None:
    """Past the node's viewer cap a watch is refused with a retry hint."""
    capped = RelayNode(max_viewers=1, retry_after=3.0)
    try:
        pc = publisher([PatternVideoTrack(160, 120)])
        pcs.append(pc)
        await negotiate(pc, lambda offer: _answer(capped.publish(ROOM, offer)))
        viewer_pc = publisher([])  # any offer that receives video will do
        viewer_pc.addTransceiver("video", direction="recvonly")
        pcs.append(viewer_pc)
        await negotiate(viewer_pc, lambda offer: _answer(capped.watch(ROOM, offer)))
        with pytest.raises(Unavailable) as refused:
            await capped.watch(ROOM, viewer_pc.localDescription.sdp)
        assert refused.value.retry_after == 3.0
    finally:
        await capped.close()


async def _answer(call: Awaitable[tuple[str, str]]) -> str:
    return (await call)[1]


@pytest.mark.parametrize(
    "sdp",
    [
        "",
        "hello",
        "v=0\r\n",
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
    ],
)
async def test_bad_offers_are_invalid_input(node: RelayNode, sdp: str) -> None:
    """Offers that are not usable SDP are refused as InvalidInput and leave nothing behind."""
    with pytest.raises(InvalidInput):
        await node.publish(ROOM, sdp)
    assert not node.is_publishing(ROOM)


async def test_receive_only_offer_cannot_publish(node: RelayNode) -> None:
    """An offer that sends nothing is not a publish."""
    pc = publisher([])
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    try:
        with pytest.raises(InvalidInput):
            await node.publish(ROOM, pc.localDescription.sdp)
    finally:
        await pc.close()


async def test_unpublish_ends_viewer_tracks_and_fires_callback(
    node: RelayNode, ended: Ended, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """When the host stops, viewers' tracks end and the stream-ended callback gets the room."""
    host = await start_host()
    session = await start_viewer()
    await decoded_frames(track_of(session.tracks, "video"), 3, av.VideoFrame)
    await node.unpublish(host.resource_id)
    await until_ended(track_of(session.tracks, "video"))
    await asyncio.wait_for(ended.event.wait(), 10)
    assert ended.rooms == [ROOM]
    assert node.stats().viewers == 0
    with pytest.raises(NotFound):
        await start_viewer()


async def test_host_hanging_up_ends_the_stream(
    node: RelayNode, ended: Ended, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """A host closing its connection without DELETE ends the stream the same way."""
    host = await start_host()
    session = await start_viewer()
    await decoded_frames(track_of(session.tracks, "video"), 3, av.VideoFrame)
    await host.pc.close()
    await until_ended(track_of(session.tracks, "video"))
    await asyncio.wait_for(ended.event.wait(), 10)
    assert not node.is_publishing(ROOM)


async def test_leave_frees_the_viewer_slot(
    node: RelayNode, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """Leaving removes the viewer; an unknown or repeated leave is NotFound."""
    await start_host()
    session = await start_viewer()
    assert node.stats().viewers == 1
    assert session.resource_url is not None
    await node.leave(session.resource_url)
    assert node.stats().viewers == 0
    with pytest.raises(NotFound):
        await node.leave(session.resource_url)


async def test_peer_that_never_connects_is_closed_and_counted(ended: Ended) -> None:
    """A publish whose client never completes ICE is closed after the timeout and counted."""
    relay = RelayNode(connect_timeout=0.5, on_stream_ended=ended)
    pc = publisher([PatternVideoTrack(160, 120)])
    try:
        await pc.setLocalDescription(await pc.createOffer())
        await relay.publish(ROOM, pc.localDescription.sdp)  # the answer is never applied
        await asyncio.wait_for(ended.event.wait(), 10)
        assert relay.stats().peers_timed_out == 1
        assert not relay.is_publishing(ROOM)
    finally:
        await pc.close()
        await relay.close()


async def test_late_viewer_starts_cleanly_after_a_keyframe_request(
    node: RelayNode,
    start_host: StartHost,
    start_viewer: StartViewer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A viewer joining mid-stream triggers a keyframe request and decodes without errors."""
    caplog.set_level(logging.WARNING, logger="aiortc")
    await start_host()
    first = await start_viewer()
    await decoded_frames(track_of(first.tracks, "video"), 20, av.VideoFrame)
    requests = node.stats().keyframe_requests
    late = await start_viewer()
    frames = await decoded_frames(track_of(late.tracks, "video"), 5, av.VideoFrame)
    assert frames[0].width == 160
    assert node.stats().keyframe_requests > requests
    assert not [r for r in caplog.records if "failed to decode" in r.getMessage()]


async def test_viewer_hanging_up_frees_its_slot(
    node: RelayNode, start_host: StartHost, start_viewer: StartViewer
) -> None:
    """A viewer that closes its connection without leaving is forgotten by the node."""
    await start_host()
    session = await start_viewer()
    await decoded_frames(track_of(session.tracks, "video"), 2, av.VideoFrame)
    await session.pc.close()
    async with asyncio.timeout(10):
        while node.stats().viewers:  # noqa: ASYNC110 - the node exposes counts only
            await asyncio.sleep(0.05)
    assert node.stats().peers_failed == 0


async def test_offer_rejected_by_aiortc_leaves_nothing_behind(node: RelayNode) -> None:
    """An offer that parses but cannot be applied (no ICE credentials) is InvalidInput."""
    pc = publisher([PatternVideoTrack(160, 120)])
    try:
        await pc.setLocalDescription(await pc.createOffer())
        lines = pc.localDescription.sdp.splitlines()
        broken = "\r\n".join(line for line in lines if "ice-ufrag" not in line) + "\r\n"
        with pytest.raises(InvalidInput):
            await node.publish(ROOM, broken)
        assert not node.is_publishing(ROOM)
    finally:
        await pc.close()


async def test_viewer_without_the_hosts_codec_is_refused(
    node: RelayNode, start_host: StartHost
) -> None:
    """A viewer that offers only VP8 cannot watch an H.264 host."""
    await start_host(video_codec="video/H264")
    pc = publisher([])
    pc.addTransceiver("video", direction="recvonly").setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"]
    )
    try:
        await pc.setLocalDescription(await pc.createOffer())
        with pytest.raises(InvalidInput):
            await node.watch(ROOM, pc.localDescription.sdp)
        assert node.stats().viewers == 0
    finally:
        await pc.close()
