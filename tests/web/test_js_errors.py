"""The scripts show errors through errorText (the code's translation), never the server's
English message."""

from __future__ import annotations

import re

from livecommerce.paths import web_dir

JS = web_dir() / "static" / "js"
# Reading a message: an ApiError's, an error event's data, a JSON error body's.
MESSAGE = re.compile(r"\b(?:err|error|exc)\.message\b|event\.data\??\.message\b|\.error\.message\b")
# Where a message is read on purpose: api.js and media.js keep it on the ApiError for the
# console; the studio shows a browser's own camera or WebRTC failure, which has no code.
ALLOWED = {
    ("studio.js", "error: err.message || err.name"),
    ("studio.js", "errorText(err) : err.message"),
}


def test_no_page_shows_a_server_message() -> None:
    """Every `.message` read in the page scripts is one of the few reasoned exceptions."""
    found = []
    for path in sorted(JS.glob("*.js")):
        if path.name in ("api.js", "media.js"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MESSAGE.search(line) and not any(
                path.name == name and part in line for name, part in ALLOWED
            ):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


def test_error_events_are_shown_through_error_text() -> None:
    """The room and the studio toast an `error` event's translated code."""
    for name in ("room.js", "studio.js"):
        text = (JS / name).read_text(encoding="utf-8")
        assert "toast(errorText(event.data), { error: true })" in text, name
