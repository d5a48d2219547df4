"""The pages' JavaScript speaks the catalogue: every event type it handles and every data
field it reads is declared in livecommerce/*/events.py.

A static check of the source, for the forms the pages use: ``case "T":`` blocks and
``event.type === "T"`` lines read the fields of T; a function marked ``// data: T`` reads
T's fields; any other ``event.data.X`` or ``data.X`` after ``const data = event.data``
must be a field of some catalogued event. The lists of event types kept in constants
(``UNSEQUENCED``, ``SALE_STATUS``) and ``type.startsWith("sale.")`` prefixes are checked
too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from livecommerce import protocol
from livecommerce.paths import web_dir

TYPE = r"[a-z]+(?:\.[a-z_]+)+|error|ack|ping"
CASE = re.compile(rf'case "({TYPE})":')
COMPARE = re.compile(rf'type\s*[!=]==\s*"({TYPE})"')
PREFIX = re.compile(r'type\.startsWith\("([a-z_.]+)"\)')
TYPE_LIST = re.compile(r"^const (UNSEQUENCED|SALE_STATUS|[A-Z_]*EVENTS?) = (.*)$")
LITERAL = re.compile(rf'"({TYPE})"')
EVENT_FIELD = re.compile(r"event\.data\??\.(\w+)")
DATA_FIELD = re.compile(r"\bdata\??\.(\w+)")
MARKED = re.compile(rf"^// data: ({TYPE})$")


def fields_by_type() -> dict[str, set[str]]:
    schema = protocol.json_schema()
    defs: dict[str, Any] = schema["$defs"]
    found: dict[str, set[str]] = {}
    for name, entry in schema["events"].items():
        ref = entry["data"].get("$ref", "")
        body = defs[ref.rsplit("/", 1)[-1]] if ref else entry["data"]
        found[name] = set(body.get("properties", {}))
    return found


def problems(source: str, name: str, known: dict[str, set[str]]) -> list[str]:
    """What in one JS file the catalogue does not declare."""
    every_field = set().union(*known.values())
    found: list[str] = []
    current: list[str] = []  # the case labels of the block being read
    marked: str | None = None
    reads_event_data = "event.data" in source
    for number, line in enumerate(source.splitlines(), 1):
        where = f"{name}:{number}"
        stripped = line.strip()
        if (mark := MARKED.match(stripped)) is not None:
            marked = mark.group(1)
            continue
        if line.startswith("}"):
            marked = None
        labels = CASE.findall(line)
        compared = COMPARE.findall(line)
        for type in [*labels, *compared]:
            if type not in known:
                found.append(f"{where}: event type {type!r} is not in the catalogue")
        if (listed := TYPE_LIST.match(stripped)) is not None:
            for type in LITERAL.findall(listed.group(2)):
                if type not in known:
                    found.append(f"{where}: event type {type!r} is not in the catalogue")
        for prefix in PREFIX.findall(line):
            if not any(t.startswith(prefix) for t in known):
                found.append(f"{where}: no catalogued event type starts with {prefix!r}")
        if labels:
            current = [*current, *labels]  # consecutive labels fall through together
        elif stripped.startswith(("default", "}")):
            current = []
        scope = current or compared or ([marked] if marked else [])
        allowed = set().union(*(known.get(t, set()) for t in scope)) if scope else every_field
        refs = EVENT_FIELD.findall(line)
        if reads_event_data:
            refs += DATA_FIELD.findall(line.replace("event.data", ""))
        for field in refs:
            if field not in allowed:
                within = ", ".join(scope) if scope else "any event"
                found.append(f"{where}: data.{field} is not a field of {within}")
        if "return" in line or "break" in line:
            current = []  # the case block ends here
    return found


def js_sources(root: Path) -> list[Path]:
    return sorted((root / "static" / "js").glob("*.js"))


@pytest.mark.parametrize("path", js_sources(web_dir()), ids=lambda p: p.name)
def test_js_reads_only_catalogued_events_and_fields(path: Path) -> None:
    """No page script handles an event type or reads a field the server never sends."""
    assert problems(path.read_text(encoding="utf-8"), path.name, fields_by_type()) == []


def test_the_check_catches_drift() -> None:
    """The check itself: uncatalogued types and fields are reported, catalogued pass."""
    known = fields_by_type()
    bad = (
        "const data = event.data ?? {};\n"
        'case "viewers.count": state.viewers = Number(data.viewer_count); return "v";\n'
        'case "moderation.deleted": view.remove(data.id); return true;\n'
        'if (event.type === "room.snapshot") chat.replace(event.data?.recent_chat);\n'
    )
    reported = problems(bad, "bad.js", known)
    assert len(reported) == 4, reported
    good = (
        "const data = event.data ?? {};\n"
        'case "viewers.count": state.viewers = Number(data.count); return "v";\n'
    )
    assert problems(good, "good.js", known) == []
