"""Where the non-Python parts live: the source tree, or inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries web/ and migrations/ inside the package as _web/_migrations;
    # a source checkout (editable install, tests) has them beside the package.
    bundled = _PACKAGE / f"_{name}"
    return bundled if bundled.is_dir() else _PACKAGE.parent / name


def web_dir() -> Path:
    return _find("web")


def migrations_dir() -> Path:
    return _find("migrations")
