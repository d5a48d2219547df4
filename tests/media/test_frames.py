from fractions import Fraction

from livecommerce.media.frames import H264, OPUS, VP8, is_keyframe, make_frame


def test_vp8_key_and_delta_frames() -> None:
    """A VP8 key frame has the P bit clear and the start code; a delta frame does not."""
    assert is_keyframe(VP8, b"\x10\x02\x00\x9d\x01\x2a\x00")
    assert not is_keyframe(VP8, b"\x31\x02\x00\x00\x00\x00\x00")
    assert not is_keyframe(VP8, b"\x10")


def test_h264_idr_or_sps_starts_a_picture() -> None:
    """Annex B access units with an SPS or IDR slice are keyframes; plain slices are not."""
    sps_idr = b"\x00\x00\x00\x01\x67\x42" + b"\x00\x00\x00\x01\x65\x88"
    non_idr = b"\x00\x00\x00\x01\x41\x9a"
    assert is_keyframe(H264, sps_idr)
    assert is_keyframe("video/H264", b"\x00\x00\x01\x65\x00")
    assert not is_keyframe(H264, non_idr)


def test_audio_is_always_a_start_point() -> None:
    """Any Opus frame can start playback."""
    assert is_keyframe(OPUS, b"\xfc")


def test_make_frame_keeps_bytes_and_timestamp() -> None:
    """The shared packet carries the data and the RTP-clock timestamp."""
    frame = make_frame(OPUS, 48000, b"abc", 960)
    assert bytes(frame.packet) == b"abc"
    assert frame.packet.pts == 960
    assert frame.packet.time_base == Fraction(1, 48000)
    assert frame.size == 3
