"""Every frame the app's sockets are offered during the test suite is checked against the
exported event catalogue (web/static/protocol/events.schema.json), with a third-party
JSON Schema validator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jsonschema import Draft202012Validator

from livecommerce import protocol
from livecommerce.routes import _ws_sinks

ENVELOPE = {"type", "room", "seq", "at", "data", "delivery", "audience", "media_t", "clock"}


class FrameChecker:
    def __init__(self) -> None:
        schema = json.loads(protocol.schema_file().read_text(encoding="utf-8"))
        defs = schema["$defs"]
        self._validators = {
            name: Draft202012Validator({**entry["data"], "$defs": defs})
            for name, entry in schema["events"].items()
        }
        self._checked: set[bytes] = set()  # the same bytes go to every socket of a room
        self.errors: list[str] = []

    def check(self, frame: bytes) -> None:
        if frame in self._checked:
            return
        self._checked.add(frame)
        try:
            parsed = json.loads(frame)
        except ValueError:
            self.errors.append(f"not JSON: {frame[:80]!r}")
            return
        for event in parsed if isinstance(parsed, list) else [parsed]:
            self._check_event(event)

    def _check_event(self, event: Any) -> None:
        if not isinstance(event, dict) or set(event) - ENVELOPE or "type" not in event:
            self.errors.append(f"bad envelope: {str(event)[:120]}")
            return
        validator = self._validators.get(event["type"])
        if validator is None:
            self.errors.append(f"uncatalogued event type {event['type']!r}")
            return
        for error in validator.iter_errors(event.get("data")):
            self.errors.append(f"{event['type']}: {error.message} at {list(error.path)}")


@contextmanager
def checking_frames(checker: FrameChecker) -> Iterator[None]:
    """Route every ``offer`` of the app's socket sinks through ``checker``."""
    originals: list[tuple[type[Any], Callable[..., bool]]] = []
    for cls in (_ws_sinks.QueuedSink, _ws_sinks.DirectSink):
        original = cls.offer

        def offer(self: Any, frame: bytes, _original: Callable[..., bool] = original) -> bool:
            checker.check(frame)
            return _original(self, frame)

        originals.append((cls, original))
        cls.offer = offer  # type: ignore[method-assign]
    try:
        yield
    finally:
        for cls, original in originals:
            cls.offer = original
