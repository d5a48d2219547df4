"""A tiny YUV 4:2:0 painter for the test pattern: rectangles and seven-segment digits.

Plain bytes slicing keeps it fast enough for 30 frames per second without numpy.
"""

from __future__ import annotations

import av

Colour = tuple[int, int, int]  # (Y, U, V), BT.601 limited range

WHITE: Colour = (235, 128, 128)
BLACK: Colour = (16, 128, 128)
BARS: tuple[Colour, ...] = (
    WHITE, (210, 16, 146), (170, 166, 16), (145, 54, 34),
    (106, 202, 222), (81, 90, 240), (41, 240, 110), BLACK,
)  # fmt: skip
# Which of the segments a..g each digit lights.
_SEGMENTS = {
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
    "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}  # fmt: skip


class Canvas:
    """One frame's three planes, laid out with the strides PyAV expects."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width - width % 2
        self.height = height - height % 2
        template = av.VideoFrame(self.width, self.height, "yuv420p")
        self.strides = [plane.line_size for plane in template.planes]
        self.planes = [bytearray(p.buffer_size) for p in template.planes]

    def scrolling_bars(self, offset: int) -> None:
        """Fill the frame with colour bars shifted left by ``offset`` pixels."""
        for index in range(3):
            scale = 1 if index == 0 else 2
            width, height = self.width // scale, self.height // scale
            bar = -(-width // len(BARS))
            row = b"".join(bytes([colour[index]]) * bar for colour in BARS)[:width]
            start = (offset // scale) % width
            line = (row + row)[start : start + width]
            line += bytes(self.strides[index] - width)
            self.planes[index][:] = line * height

    def rect(self, x: int, y: int, w: int, h: int, colour: Colour) -> None:
        x, y = max(x, 0), max(y, 0)
        w, h = min(w, self.width - x), min(h, self.height - y)
        if w <= 0 or h <= 0:
            return
        for index in range(3):
            s = 1 if index == 0 else 2
            px, py, pw, ph = x // s, y // s, max(w // s, 1), max(h // s, 1)
            stride, plane, value = self.strides[index], self.planes[index], colour[index]
            fill = bytes([value]) * pw
            for row in range(py, py + ph):
                plane[row * stride + px : row * stride + px + pw] = fill

    def text(self, text: str, *, x: int, y: int, scale: int) -> None:
        """Digits and colons, seven-segment style, white on a black band."""
        width, height, gap = 5 * scale, 9 * scale, 2 * scale
        self.rect(x, y, 2 * gap + len(text) * (width + gap), height + 2 * gap, BLACK)
        left, top = x + gap, y + gap
        for char in text:
            if char == ":":
                self.rect(left, top + 2 * scale, scale, scale, WHITE)
                self.rect(left, top + 6 * scale, scale, scale, WHITE)
                left += scale + gap
                continue
            for segment in _SEGMENTS.get(char, ""):
                sx, sy, sw, sh = _segment_box(segment, scale, width, height)
                self.rect(left + sx, top + sy, sw, sh, WHITE)
            left += width + gap

    def to_frame(self) -> av.VideoFrame:
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, data in zip(frame.planes, self.planes, strict=True):
            plane.update(bytes(data))
        return frame


def _segment_box(segment: str, t: int, w: int, h: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) of one segment inside a w*h digit cell."""
    mid = h // 2
    boxes = {
        "a": (0, 0, w, t), "g": (0, mid - t // 2, w, t), "d": (0, h - t, w, t),
        "f": (0, 0, t, mid), "b": (w - t, 0, t, mid),
        "e": (0, mid, t, h - mid), "c": (w - t, mid, t, h - mid),
    }  # fmt: skip
    return boxes[segment]
