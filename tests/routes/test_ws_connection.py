from __future__ import annotations

from livecommerce.routes._ws_connection import _TextCache


def test_text_of_each_frame_is_its_own_and_decoded_once() -> None:
    """The same bytes object decodes once; other frames, however many, decode correctly."""
    cache = _TextCache(size=2)
    frame = '{"type":"chat.posted","data":{"body":"你好"}}'.encode()
    first = cache(frame)
    assert first == frame.decode() and cache(frame) is first
    for n in range(10):  # push the first frame out; ids of dead frames may be reused
        assert cache(f"frame {n}".encode()) == f"frame {n}"
    assert cache(frame) == frame.decode()
