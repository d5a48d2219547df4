"""Tests for livecommerce.hub.event."""

from __future__ import annotations

import json

from livecommerce.hub.event import frame_of, iso_at, make_event, parse_event, split_envelope


def test_envelope_has_the_five_fields() -> None:
    """An event serialises to {type, room, seq, at, data}, compact and readable UTF-8."""
    event = make_event(7, 3, "chat.posted", {"body": "你好"}, "2026-01-01T00:00:00.000Z")
    assert json.loads(event.payload) == {
        "type": "chat.posted",
        "room": 7,
        "seq": 3,
        "at": "2026-01-01T00:00:00.000Z",
        "data": {"body": "你好"},
    }
    assert "你好".encode() in event.payload
    assert b" " not in event.payload


def test_spliced_envelope_equals_the_serialised_one() -> None:
    """head + seq + tail (what the Redis script stores) is byte-identical to make_event."""
    data = {"product": {"id": 1, "title": '茶 "tea"'}, "n": [1, 2]}
    head, tail = split_envelope(9, "product.pinned", data, "2026-01-01T00:00:00.000Z")
    event = make_event(9, 41, "product.pinned", data, "2026-01-01T00:00:00.000Z")
    assert f"{head}41{tail}".encode() == event.payload


def test_parse_keeps_the_bytes() -> None:
    """An event read back from the wire keeps its original bytes."""
    event = make_event(1, 2, "sale.started", {"id": 5}, "2026-01-01T00:00:00.000Z")
    parsed = parse_event(event.payload)
    assert parsed == event
    assert parsed.payload is event.payload


def test_frame_of_many_is_an_array_spliced_from_payloads() -> None:
    """Several events make one JSON array; one event stays a single object."""
    events = [make_event(1, seq, "chat.posted", {"i": seq}, "t") for seq in (1, 2, 3)]
    assert frame_of(events[:1]) == events[0].payload
    assert [e["seq"] for e in json.loads(frame_of(events))] == [1, 2, 3]


def test_iso_at_is_utc_with_milliseconds() -> None:
    """Times on the wire are ISO 8601 UTC with a Z and milliseconds."""
    assert iso_at(0.5) == "1970-01-01T00:00:00.500Z"
