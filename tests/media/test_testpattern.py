import asyncio

from livecommerce.media.canvas import BLACK, WHITE, Canvas
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack


def luma(canvas: Canvas, x: int, y: int) -> int:
    return canvas.planes[0][y * canvas.strides[0] + x]


def test_pattern_moves_between_frames() -> None:
    """Consecutive pictures differ and have the requested size."""
    track = PatternVideoTrack(320, 180)
    first, later = track.draw(0), track.draw(10)
    assert (first.width, first.height) == (320, 180)
    assert bytes(first.planes[0]) != bytes(later.planes[0])


def test_rectangles_clip_to_the_frame() -> None:
    """Drawing past an edge paints what fits and nothing else."""
    canvas = Canvas(64, 48)
    canvas.rect(0, 0, 64, 48, BLACK)
    canvas.rect(60, 44, 50, 50, WHITE)
    assert luma(canvas, 63, 47) == WHITE[0]
    assert luma(canvas, 59, 47) == BLACK[0]


def test_clock_digits_light_their_segments() -> None:
    """A "1" lights the right-hand segments only."""
    canvas = Canvas(64, 48)
    canvas.rect(0, 0, 64, 48, WHITE)
    canvas.text("1", x=0, y=0, scale=2)
    gap, width = 4, 10
    assert luma(canvas, gap + width - 1, gap + 2) == WHITE[0]  # segment b
    assert luma(canvas, gap, gap + 2) == BLACK[0]  # segment f is dark


async def test_tone_frames_are_20ms_at_48khz() -> None:
    """The tone track yields consecutive 960-sample frames."""
    track = ToneAudioTrack()
    frames = [await asyncio.wait_for(track.recv(), 1) for _ in range(3)]
    assert [f.pts for f in frames] == [0, 960, 1920]
    assert {(f.samples, f.sample_rate) for f in frames} == {(960, 48000)}
    assert any(bytes(frames[1].planes[0]))
