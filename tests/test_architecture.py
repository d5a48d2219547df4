"""The import rules of DESIGN section 3, checked on the source (no imports run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "livecommerce"
DOMAINS = ("accounts", "catalog", "rooms", "sales", "orders")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


def _violations(subpackage: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(subpackage)
        for name in sorted(_imports(path))
        if name.startswith(forbidden)
    ]


def test_only_routes_import_fastapi() -> None:
    """FastAPI and Starlette appear only in routes/ and the app factory."""
    allowed = {PACKAGE / "app.py", PACKAGE / "asgi.py"}
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if "routes" not in path.relative_to(PACKAGE).parts and path not in allowed
        for name in _imports(path)
        if name.startswith(("fastapi", "starlette"))
    ]
    assert bad == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_do_not_import_transport(domain: str) -> None:
    """Domains never import routes or media."""
    assert _violations(domain, ("livecommerce.routes", "livecommerce.media")) == []


def test_hub_imports_only_events_keys_and_errors() -> None:
    """The hub knows nothing of the domains, storage (but keys) or SQLAlchemy; of events it
    knows the machinery (delivery classes), never a domain's event."""
    allowed = (
        "livecommerce.hub", "livecommerce.storage.keys", "livecommerce.errors",
        "livecommerce.events",
    )  # fmt: skip
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("hub")
        for name in _imports(path)
        if (name.startswith("livecommerce") and not name.startswith(allowed))
        or name.startswith(("sqlalchemy", "fastapi", "starlette"))
    ]
    assert bad == []


def test_media_never_touches_storage() -> None:
    """Media stays behind its own interface, without storage."""
    assert _violations("media", ("livecommerce.storage", "sqlalchemy")) == []


def test_events_machinery_imports_no_domain() -> None:
    """The catalogue's machinery is below every domain that declares events with it."""
    forbidden = tuple(f"livecommerce.{d}" for d in (*DOMAINS, "hub", "media", "routes", "storage"))
    assert _violations("events", forbidden) == []


def test_storage_imports_no_domain() -> None:
    """Storage is below every domain."""
    forbidden = tuple(f"livecommerce.{d}" for d in (*DOMAINS, "hub", "media", "routes"))
    assert _violations("storage", forbidden) == []


def test_no_module_is_huge() -> None:
    """Modules stay small enough to read (split by responsibility past ~300 lines)."""
    big = [
        f"{path.relative_to(PACKAGE)}: {n}"
        for path in PACKAGE.rglob("*.py")
        if (n := sum(1 for line in path.read_text().splitlines() if line.strip())) > 400
    ]
    assert big == []
