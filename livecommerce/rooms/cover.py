"""Show covers: which images are accepted, checked on their bytes, not on the name."""

from __future__ import annotations

from livecommerce.errors import InvalidInput

MAX_COVER_BYTES = 2 * 1024 * 1024
# The first bytes of each accepted format; the declared type must agree with them.
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/webp": (b"RIFF", "webp"),
}
COVER_TYPES = tuple(_SIGNATURES)


def cover_extension(content_type: str, body: bytes) -> str:
    """The file extension for an upload, or ``InvalidInput`` saying what is wrong."""
    kind = content_type.partition(";")[0].strip().lower()
    if kind not in _SIGNATURES:
        raise InvalidInput(f"a cover must be one of {', '.join(COVER_TYPES)}")
    if not body:
        raise InvalidInput("the cover image is empty")
    if len(body) > MAX_COVER_BYTES:
        raise InvalidInput(f"a cover is at most {MAX_COVER_BYTES // 1024} KiB")
    magic, extension = _SIGNATURES[kind]
    if not body.startswith(magic) or (kind == "image/webp" and body[8:12] != b"WEBP"):
        raise InvalidInput(f"the file is not a {kind} image")
    return extension
